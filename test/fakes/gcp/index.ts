/** Fakes of Google Cloud's token services and an auth-checking proxy for the GCS emulator. */
export { createFakeGcp, serviceAccountEmail, type FakeGcp, type ServiceAccountKey } from './server';
export { createGcsAuthProxy, type GcsAuthProxy } from './auth-proxy';
export { verifyJwt } from './jwt';
export { startFakeGcpStack, type FakeGcpStack } from './stack';
