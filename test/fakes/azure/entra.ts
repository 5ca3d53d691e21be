// Microsoft Entra ID's token endpoint for the client credentials grant, with its real request and
// response shapes (as MSAL, inside @azure/identity, speaks them): a client secret, or a client assertion
// (workload identity federation) whose signature is verified against the issuer's JWKS (discovered over
// HTTP, as Entra does), and its issuer, audience and subject against the app's federated credentials.
// Every access token it issues maps to a principal (the app's client id); the storage proxy asks it.
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { sendJson } from '../../../sandbox/faults';
import { decodeJwt, JwtRejected, publicKeyOf, verifyJwt } from '../gcp/jwt';
import { testCertificate } from './tls';

export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface App {
  tenantId: string;
  clientId: string;
  secrets: Set<string>;
  federated: Array<{ issuer: string; subject: string; audience: string }>;
}

export interface FakeEntra {
  /** For AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** Token requests answered, so tests can prove tokens are cached. */
  hits: number;
  tokenLifetimeSeconds: number;
  /** Every bearer credential that crossed it: secrets, assertions, tokens it issued. */
  credentialsSeen: Set<string>;
  /** An app registration (a service principal in the tenant). */
  addApp(tenantId: string, clientId: string): void;
  addSecret(clientId: string, secret: string): void;
  removeSecret(clientId: string, secret: string): void;
  /** az ad app federated-credential create: trusts tokens of `issuer` with this subject and audience. */
  addFederatedCredential(clientId: string, credential: { issuer: string; subject: string; audience: string }): void;
  removeFederatedCredentials(clientId: string): void;
  /** The principal (client id) of a live access token, or undefined. */
  principalOf(accessToken: string): string | undefined;
  close(): Promise<void>;
}

/** Entra's error shape: an OAuth error, an AADSTS description with trace ids, the codes alone. */
function entraError(res: Parameters<typeof sendJson>[0], status: number, error: string, code: number, description: string): void {
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${randomBytes(8).toString('hex')}\r\nCorrelation ID: ${randomBytes(8).toString('hex')}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  });
}

export async function createFakeEntra(): Promise<FakeEntra> {
  const apps = new Map<string, App>();
  const tokens = new Map<string, { principal: string; expiresAt: number }>();
  const jwksCache = new Map<string, Map<string, KeyObject>>();

  /** The issuer's JWKS through its discovery document; again on an unknown kid. */
  const jwksKey = async (issuer: string, kid: string | undefined): Promise<KeyObject | undefined> => {
    let known = jwksCache.get(issuer);
    if (!known || !kid || !known.has(kid)) {
      const fetchJson = async (url: string) => {
        const res = await fetch(url).catch(() => undefined);
        if (!res?.ok) throw new JwtRejected(`Could not fetch ${url} to verify the assertion.`);
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

  const issue = (principal: string) => {
    const token = `entra.${randomBytes(24).toString('base64url')}`;
    fake.credentialsSeen.add(token);
    tokens.set(token, { principal, expiresAt: Date.now() + fake.tokenLifetimeSeconds * 1000 });
    return token;
  };

  const token = async (tenantId: string, form: URLSearchParams, res: Parameters<typeof sendJson>[0]) => {
    fake.hits++;
    if (form.get('grant_type') !== 'client_credentials')
      return entraError(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('scope') !== STORAGE_SCOPE)
      return entraError(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope')} is not valid.`);
    const clientId = form.get('client_id') ?? '';
    const app = apps.get(clientId);
    if (!app || app.tenantId !== tenantId) {
      return entraError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      fake.credentialsSeen.add(secret);
      if (!app.secrets.has(secret)) return entraError(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    } else if (assertion !== null && form.get('client_assertion_type') === ASSERTION_TYPE) {
      fake.credentialsSeen.add(assertion);
      try {
        const { iss, sub } = decodeJwt(assertion).claims;
        const matches = app.federated.filter((f) => f.issuer === iss && f.subject === sub);
        if (matches.length === 0)
          throw new JwtRejected(`No matching federated identity record found for presented assertion issuer '${iss}' and subject '${sub}'.`);
        await verifyJwt(assertion, {
          keyFor: (kid) => jwksKey(String(iss), kid),
          issuer: String(iss),
          audiences: matches.map((m) => m.audience),
          maxLifetimeSeconds: 24 * 3600,
        });
      } catch (error) {
        if (!(error instanceof JwtRejected)) throw error;
        return entraError(res, 400, 'invalid_client', 70021, error.message);
      }
    } else {
      return entraError(
        res,
        400,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: fake.tokenLifetimeSeconds,
      ext_expires_in: fake.tokenLifetimeSeconds,
      access_token: issue(clientId),
    });
  };

  const { cert, key } = testCertificate();
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const tokenRoute = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
      const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      const route = async () => {
        if (req.method === 'POST' && tokenRoute) return token(decodeURIComponent(tokenRoute[1]!), form, res);
        if (req.method === 'GET' && metadata) {
          // What MSAL reads to find the token endpoint of the tenant's authority.
          const base = `${fake.authorityHost}/${metadata[1]}`;
          return sendJson(res, 200, {
            token_endpoint: `${base}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            issuer: `${base}/v2.0`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
            token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          });
        }
        sendJson(res, 404, { error: `no route ${req.method} ${path}` });
      };
      route().catch((error: unknown) => sendJson(res, 500, { error: 'fake Entra failed', detail: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app = (clientId: string) => {
    const found = apps.get(clientId);
    if (!found) throw new Error(`no app ${clientId}`);
    return found;
  };

  const fake: FakeEntra = {
    authorityHost: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: 0,
    tokenLifetimeSeconds: 3600,
    credentialsSeen: new Set(),
    addApp: (tenantId, clientId) => void apps.set(clientId, { tenantId, clientId, secrets: new Set(), federated: [] }),
    addSecret: (clientId, secret) => void app(clientId).secrets.add(secret),
    removeSecret: (clientId, secret) => void app(clientId).secrets.delete(secret),
    addFederatedCredential: (clientId, credential) => void app(clientId).federated.push(credential),
    removeFederatedCredentials: (clientId) => void (app(clientId).federated = []),
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
