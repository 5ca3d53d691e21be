/** Fakes of Google Cloud's token services and an auth-checking proxy for the GCS emulator. */
export { createFakeGcp, serviceAccountEmail, GOOGLE_TOKEN_URI, type FakeGcp, type ServiceAccountKey } from './server';
export { createGcsAuthProxy, type GcsAuthProxy } from './auth-proxy';
export { decodeJwt, verifyJwt, JwtRejected, type JwtClaims } from './jwt';
export { startFakeGcpStack, type FakeGcpStack } from './stack';
