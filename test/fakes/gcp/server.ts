// Google's token services in one local HTTP server, with the real request and response shapes:
// the OAuth token endpoint (service-account JWT assertions), STS (token exchange of OIDC tokens),
// IAM Credentials generateAccessToken (impersonation) and the metadata server (ambient credentials).
// Every access token it issues maps to a principal; the GCS auth proxy asks it which one.
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from '../../../sandbox/faults';
import { decodeJwt, JwtRejected, publicKeyOf, verifyJwt, type JwtClaims } from './jwt';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const AUDIENCE = /^\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/[^/]+$/;

export interface ServiceAccountKey {
  email: string;
  keyId: string;
  /** The key file as IAM hands it out, with token_uri pointing at this fake. */
  json: string;
  privateKeyPem: string;
}

export interface FakeGcp {
  url: string;
  tokenUri: string;
  stsUrl: string;
  iamCredentialsUrl: string;
  /** For GCE_METADATA_HOST. */
  metadataHost: string;
  /** Requests per service, so tests can prove tokens are cached. */
  hits: { oauth: number; sts: number; iam: number; metadata: number };
  /** Lifetime of every token issued from now on. */
  tokenLifetimeSeconds: number;
  /** Every bearer credential that crossed it: assertions, subject tokens, access tokens it issued. */
  credentialsSeen: Set<string>;
  createServiceAccountKey(email: string): ServiceAccountKey;
  /** A disabled (or deleted) key makes the token endpoint answer invalid_grant. */
  setKeyEnabled(keyId: string, enabled: boolean): void;
  /** Trusts OIDC tokens from `issuer` (JWKS discovered over HTTP) for this provider audience. */
  addOidcProvider(audience: string, issuer: string): void;
  /** roles/iam.workloadIdentityUser on `serviceAccount` for `principal`. */
  grantWorkloadIdentityUser(serviceAccount: string, principal: string): void;
  revokeWorkloadIdentityUser(serviceAccount: string, principal: string): void;
  /** The service account the metadata server hands out tokens for. */
  metadataServiceAccount: string;
  /** The principal of a live access token, or undefined. */
  principalOf(accessToken: string): string | undefined;
  close(): Promise<void>;
}

export async function createFakeGcp(): Promise<FakeGcp> {
  const keys = new Map<string, { email: string; publicKey: KeyObject; enabled: boolean }>();
  const providers = new Map<string, { issuer: string; projectNumber: string; pool: string }>();
  const bindings = new Map<string, Set<string>>();
  const tokens = new Map<string, { principal: string; expiresAt: number }>();
  const jwksCache = new Map<string, Map<string, KeyObject>>();

  const issue = (principal: string, prefix: string) => {
    const token = `${prefix}.${randomBytes(24).toString('base64url')}`;
    fake.credentialsSeen.add(token);
    tokens.set(token, { principal, expiresAt: Date.now() + fake.tokenLifetimeSeconds * 1000 });
    return token;
  };
  const bearer = (req: http.IncomingMessage) => /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];

  /** Fetches the issuer's JWKS through its discovery document, as STS does; again on an unknown kid. */
  const jwksKey = async (issuer: string, kid: string | undefined): Promise<KeyObject | undefined> => {
    let known = jwksCache.get(issuer);
    if (!known || !kid || !known.has(kid)) {
      const fetchJson = async (url: string) => {
        const res = await fetch(url).catch(() => undefined);
        if (!res?.ok) throw new JwtRejected(`Could not fetch ${url} to verify the token.`);
        return res.json();
      };
      const discovery = (await fetchJson(`${issuer}/.well-known/openid-configuration`)) as { issuer: string; jwks_uri: string };
      if (discovery.issuer !== issuer) throw new JwtRejected(`The discovery document names issuer ${discovery.issuer}, not ${issuer}.`);
      const jwks = (await fetchJson(discovery.jwks_uri)) as { keys: Array<{ kid: string }> };
      known = new Map(jwks.keys.map((jwk) => [jwk.kid, publicKeyOf(jwk)]));
      jwksCache.set(issuer, known);
    }
    return kid ? known.get(kid) : undefined;
  };

  const oauthToken = async (form: URLSearchParams, res: http.ServerResponse) => {
    fake.hits.oauth++;
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
    }
    // Google finds the key by the assertion's issuer (gtoken sends no kid): any live key of the account.
    const assertion = form.get('assertion') ?? '';
    fake.credentialsSeen.add(assertion);
    let email = '';
    try {
      email = String(decodeJwt(assertion).claims.iss ?? '');
    } catch {
      // Rejected below like any bad signature.
    }
    const candidates = [...keys.values()].filter((key) => key.email === email && key.enabled);
    let claims: JwtClaims | undefined;
    for (const key of candidates) {
      claims = await verifyJwt(assertion, { keyFor: () => key.publicKey, audiences: [fake.tokenUri, GOOGLE_TOKEN_URI], maxLifetimeSeconds: 3600 }).catch(
        () => undefined,
      );
      if (claims) break;
    }
    if (!claims) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    if (!claims.scope) return sendJson(res, 400, { error: 'invalid_scope', error_description: 'Empty or missing scope not allowed.' });
    sendJson(res, 200, { access_token: issue(`serviceAccount:${email}`, 'ya29.sa'), expires_in: fake.tokenLifetimeSeconds, token_type: 'Bearer' });
  };

  const stsToken = async (form: URLSearchParams, res: http.ServerResponse) => {
    fake.hits.sts++;
    const audience = form.get('audience') ?? '';
    const provider = providers.get(audience);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' || !provider) {
      return sendJson(res, 400, {
        error: 'invalid_request',
        error_description: `Invalid value for "audience". This value should be the full resource name of the Identity Provider.`,
      });
    }
    try {
      const subjectToken = form.get('subject_token') ?? '';
      fake.credentialsSeen.add(subjectToken);
      const { iss } = decodeJwt(subjectToken).claims;
      if (iss !== provider.issuer)
        throw new JwtRejected(`The issuer in the token (${iss}) does not match the issuer configured for the provider (${provider.issuer}).`);
      const claims = await verifyJwt(subjectToken, {
        keyFor: (kid) => jwksKey(provider.issuer, kid),
        issuer: provider.issuer,
        audiences: [audience, `https:${audience}`],
        maxLifetimeSeconds: 24 * 3600,
      });
      if (!claims.sub) throw new JwtRejected('The token has no sub.');
      const principal = `principal://iam.googleapis.com/projects/${provider.projectNumber}/locations/global/workloadIdentityPools/${provider.pool}/subject/${claims.sub}`;
      sendJson(res, 200, {
        access_token: issue(principal, 'sts.federated'),
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: fake.tokenLifetimeSeconds,
      });
    } catch (error) {
      if (!(error instanceof JwtRejected)) throw error;
      sendJson(res, 400, { error: 'invalid_grant', error_description: error.message });
    }
  };

  const generateAccessToken = (email: string, req: http.IncomingMessage, res: http.ServerResponse) => {
    fake.hits.iam++;
    const principal = fake.principalOf(bearer(req) ?? '');
    if (!principal) return sendJson(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    if (!bindings.get(email)?.has(principal)) {
      return sendJson(res, 403, {
        error: { code: 403, message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", status: 'PERMISSION_DENIED' },
      });
    }
    const accessToken = issue(`serviceAccount:${email}`, 'ya29.impersonated');
    sendJson(res, 200, { accessToken, expireTime: new Date(tokens.get(accessToken)!.expiresAt).toISOString() });
  };

  const metadata = (path: string, req: http.IncomingMessage, res: http.ServerResponse) => {
    fake.hits.metadata++;
    res.setHeader('Metadata-Flavor', 'Google');
    if (req.headers['metadata-flavor'] !== 'Google') return sendJson(res, 403, { error: 'Missing Metadata-Flavor: Google header' });
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return sendJson(res, 200, {
        access_token: issue(`serviceAccount:${fake.metadataServiceAccount}`, 'ya29.metadata'),
        expires_in: fake.tokenLifetimeSeconds,
        token_type: 'Bearer',
      });
    }
    if (path === '/computeMetadata/v1/instance/service-accounts/default/email') return void res.end(fake.metadataServiceAccount);
    if (path === '/computeMetadata/v1/project/project-id') return void res.end('fake-project');
    sendJson(res, 404, { error: 'not found' });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const impersonate = /^\/v1\/projects\/-\/serviceAccounts\/([^/]+):generateAccessToken$/.exec(path);
      const route = async () => {
        if (req.method === 'POST' && path === '/token') return oauthToken(form, res);
        if (req.method === 'POST' && path === '/v1/token') return stsToken(form, res);
        if (req.method === 'POST' && impersonate) return generateAccessToken(decodeURIComponent(impersonate[1]!), req, res);
        if (req.method === 'GET' && path.startsWith('/computeMetadata/')) return metadata(path, req, res);
        sendJson(res, 404, { error: `no route ${req.method} ${path}` });
      };
      route().catch((error: unknown) => sendJson(res, 500, { error: 'fake GCP failed', detail: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const fake: FakeGcp = {
    url,
    tokenUri: `${url}/token`,
    stsUrl: `${url}/v1/token`,
    iamCredentialsUrl: url,
    metadataHost: `127.0.0.1:${port}`,
    hits: { oauth: 0, sts: 0, iam: 0, metadata: 0 },
    tokenLifetimeSeconds: 3600,
    credentialsSeen: new Set(),
    metadataServiceAccount: 'node-default@fake-project.iam.gserviceaccount.com',
    createServiceAccountKey(email) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyId = randomBytes(20).toString('hex');
      keys.set(keyId, { email, publicKey, enabled: true });
      const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const json = JSON.stringify(
        {
          type: 'service_account',
          project_id: 'fake-project',
          private_key_id: keyId,
          private_key: privateKeyPem,
          client_email: email,
          client_id: String(Date.now()),
          auth_uri: 'https://accounts.google.com/o/oauth2/auth',
          token_uri: fake.tokenUri,
          universe_domain: 'googleapis.com',
        },
        null,
        2,
      );
      return { email, keyId, json, privateKeyPem };
    },
    setKeyEnabled(keyId, enabled) {
      const key = keys.get(keyId);
      if (!key) throw new Error(`no key ${keyId}`);
      key.enabled = enabled;
    },
    addOidcProvider(audience, issuer) {
      const match = AUDIENCE.exec(audience);
      if (!match) throw new Error(`not a provider audience: ${audience}`);
      providers.set(audience, { issuer, projectNumber: match[1]!, pool: match[2]! });
    },
    grantWorkloadIdentityUser(serviceAccount, principal) {
      if (!bindings.has(serviceAccount)) bindings.set(serviceAccount, new Set());
      bindings.get(serviceAccount)!.add(principal);
    },
    revokeWorkloadIdentityUser(serviceAccount, principal) {
      bindings.get(serviceAccount)?.delete(principal);
    },
    principalOf(accessToken) {
      const entry = tokens.get(accessToken);
      return entry && entry.expiresAt > Date.now() ? entry.principal : undefined;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** A project-scoped, unique service account email, as IAM formats them. */
export const serviceAccountEmail = (name: string) => `${name}-${randomUUID().slice(0, 6)}@fake-project.iam.gserviceaccount.com`;
