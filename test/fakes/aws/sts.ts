// AWS STS AssumeRoleWithWebIdentity as a local HTTP server, with the real contract: the Query API
// (form-encoded POST or GET, Action and Version), an XML answer, and STS's error codes and statuses
// (InvalidIdentityToken, ExpiredTokenException, AccessDenied, ValidationError). The token is checked as
// STS checks it: an IAM OIDC provider for its issuer, its signature against the issuer's JWKS (found
// through the discovery document), its audience among the provider's client ids, its lifetime, and the
// role's trust policy (the provider as Federated principal, conditions on aud and sub).
//
// Roles are backed by a user of the S3 server (versitygw has no STS): the credentials handed back are
// that user's keys plus a session token, which the session proxy (./s3-session-proxy.ts) requires and
// checks on every S3 request, as S3 checks a session token against its expiry.
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, JwtRejected, publicKeyOf, verifyJwt } from '../gcp/jwt';

export interface FakeRole {
  roleArn: string;
  /** The S3 server user whose keys the role's sessions sign with. */
  user: { accessKeyId: string; secretAccessKey: string };
  /** Trust policy: federated principal = the OIDC provider of `issuer`, StringEquals on aud and sub. */
  trust: { issuer: string; audience: string; subject: string };
}

export interface StsSession {
  accessKeyId: string;
  roleArn: string;
  subject: string;
  expiresAt: number;
}

export interface FakeSts {
  url: string;
  /** AssumeRoleWithWebIdentity calls answered, by outcome code ('OK' or the error code). */
  calls: string[];
  /** Every token and session token that crossed it (for the secret scan). */
  credentialsSeen: Set<string>;
  /** Lifetime of sessions issued from now on (STS: DurationSeconds, 900 s at least). */
  maxSessionSeconds: number;
  /** `aws iam create-open-id-connect-provider --url <issuer> --client-id-list <clientIds>`. */
  addOidcProvider(issuer: string, clientIds: string[]): void;
  /** `aws iam create-role --assume-role-policy-document …`, or update-assume-role-policy for a known role. */
  putRole(role: FakeRole): void;
  /** The session a session token belongs to, if it is live. */
  sessionOf(sessionToken: string): StsSession | undefined;
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function createFakeSts(): Promise<FakeSts> {
  const providers = new Map<string, string[]>();
  const roles = new Map<string, FakeRole>();
  const sessions = new Map<string, StsSession>();
  const jwks = new Map<string, Map<string, KeyObject>>();

  const keyFor = async (issuer: string, kid: string | undefined): Promise<KeyObject | undefined> => {
    let known = jwks.get(issuer);
    if (!known || !kid || !known.has(kid)) {
      const fetchJson = async (url: string) => {
        const res = await fetch(url).catch(() => undefined);
        if (!res?.ok) throw new StsError(400, 'IDPCommunicationError', `Couldn't retrieve verification key from your identity provider (${url}).`);
        return res.json();
      };
      const discovery = (await fetchJson(`${issuer}/.well-known/openid-configuration`)) as { issuer: string; jwks_uri: string };
      const set = (await fetchJson(discovery.jwks_uri)) as { keys: Array<{ kid: string }> };
      known = new Map(set.keys.map((jwk) => [jwk.kid, publicKeyOf(jwk)]));
      jwks.set(issuer, known);
    }
    return kid ? known.get(kid) : undefined;
  };

  const assume = async (params: URLSearchParams): Promise<string> => {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const token = params.get('WebIdentityToken') ?? '';
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    fake.credentialsSeen.add(token);
    if (!ROLE_SESSION_NAME.test(sessionName)) {
      throw new StsError(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new StsError(400, 'ValidationError', "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint");
    }
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).claims.iss;
    } catch {
      throw new StsError(
        400,
        'InvalidIdentityToken',
        'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
      );
    }
    const clientIds = iss ? providers.get(iss) : undefined;
    if (!iss || !clientIds) throw new StsError(400, 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${iss}`);
    let claims;
    try {
      claims = await verifyJwt(token, { keyFor: (kid) => keyFor(iss, kid), issuer: iss, audiences: clientIds, maxLifetimeSeconds: 24 * 3600 });
    } catch (error) {
      if (error instanceof StsError) throw error;
      const message = (error as Error).message;
      if (/expired/i.test(message)) throw new StsError(400, 'ExpiredTokenException', `Token expired: ${message}`);
      if (/audience/i.test(message)) throw new StsError(400, 'InvalidIdentityToken', 'Incorrect token audience');
      throw new StsError(400, 'InvalidIdentityToken', error instanceof JwtRejected ? message : 'The web identity token could not be validated.');
    }
    const role = roles.get(roleArn);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    // AWS answers an unknown role and an untrusting one alike.
    if (!role || role.trust.issuer !== iss || !aud.includes(role.trust.audience) || claims.sub !== role.trust.subject) {
      throw new StsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    const sessionToken = `FwoGZXIvYXdzE${randomBytes(48).toString('base64url')}`;
    const expiresAt = Date.now() + Math.min(duration, fake.maxSessionSeconds) * 1000;
    sessions.set(sessionToken, { accessKeyId: role.user.accessKeyId, roleArn, subject: String(claims.sub), expiresAt });
    fake.credentialsSeen.add(sessionToken);
    const [, account, roleName] = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn) ?? [];
    return (
      `<AssumeRoleWithWebIdentityResponse xmlns="${XMLNS}"><AssumeRoleWithWebIdentityResult>` +
      `<SubjectFromWebIdentityToken>${xmlEscape(String(claims.sub))}</SubjectFromWebIdentityToken><Audience>${xmlEscape(role.trust.audience)}</Audience>` +
      `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(roleName ?? '')}/${xmlEscape(sessionName)}</Arn>` +
      `<AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><SessionToken>${sessionToken}</SessionToken><SecretAccessKey>${xmlEscape(role.user.secretAccessKey)}</SecretAccessKey>` +
      `<Expiration>${new Date(expiresAt).toISOString()}</Expiration><AccessKeyId>${xmlEscape(role.user.accessKeyId)}</AccessKeyId></Credentials>` +
      `<Provider>${xmlEscape(iss)}</Provider></AssumeRoleWithWebIdentityResult>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`
    );
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = new URL(req.url ?? '/', 'http://sts').searchParams;
      const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : query;
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
        res.end(body);
      };
      void (async () => {
        try {
          if (params.get('Action') !== 'AssumeRoleWithWebIdentity')
            throw new StsError(400, 'InvalidAction', `Could not find operation ${params.get('Action')} for version ${params.get('Version')}`);
          if (params.get('Version') !== '2011-06-15') throw new StsError(400, 'InvalidAction', `Could not find operation for version ${params.get('Version')}`);
          const body = await assume(params);
          fake.calls.push('OK');
          reply(200, body);
        } catch (error) {
          const e = error instanceof StsError ? error : new StsError(500, 'InternalFailure', 'internal failure');
          fake.calls.push(e.code);
          reply(
            e.status,
            `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${e.code}</Code>` +
              `<Message>${xmlEscape(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
          );
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeSts = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: [],
    credentialsSeen: new Set(),
    maxSessionSeconds: 3600,
    addOidcProvider: (issuer, clientIds) => void providers.set(issuer, clientIds),
    putRole: (role) => void roles.set(role.roleArn, role),
    sessionOf(sessionToken) {
      const session = sessions.get(sessionToken);
      return session && session.expiresAt > Date.now() ? session : undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
