// Workload identity federation, Mondoo-style: auditflow is its own OIDC issuer. Each integration has a
// computed subject; at upload time the worker signs a short-lived token for it, which Google's STS
// exchanges for a federated token, which impersonates the integration's service account.
import { randomUUID, sign } from 'node:crypto';
import type { KeySourceOptions } from './codec-keys';
import { loadOidcSigningKeys, OIDC_SIGNING_ALG, type OidcSigningKeys } from './wif-keys';
import { settingsFrom } from './settings';

export const WIF_SUBJECT_PREFIX = 'auditflow:integration:';
export const PUBLIC_URL_VAR = 'AUDITFLOW_PUBLIC_URL';
export const SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** The `aud` AWS STS expects of web identity tokens (the client id of the IAM OIDC provider). */
export const AWS_STS_AUDIENCE = 'sts.amazonaws.com';
/** Google's STS accepts tokens that live at most a day; ours are exchanged at once. */
const SUBJECT_TOKEN_LIFETIME_SECONDS = 600;
/** google.subject is limited to 127 bytes. */
const MAX_SUBJECT_BYTES = 127;

/**
 * The `sub` of every token minted for this integration, e.g. `auditflow:integration:4b0c…`. The GCP
 * side grants roles/iam.workloadIdentityUser to exactly this subject, so no other integration (and no
 * other issuer) can use the service account.
 */
export function wifSubjectFor(integrationId: string): string {
  const subject = `${WIF_SUBJECT_PREFIX}${integrationId}`;
  if (!/^[A-Za-z0-9._-]+$/.test(integrationId) || Buffer.byteLength(subject) > MAX_SUBJECT_BYTES) {
    throw new Error(
      `integration id "${integrationId.slice(0, 80)}" cannot form a workload identity subject (letters, digits, ".", "_", "-"; at most ${MAX_SUBJECT_BYTES - WIF_SUBJECT_PREFIX.length} characters)`,
    );
  }
  return subject;
}

export interface WifProvider {
  projectNumber: string;
  pool: string;
  provider: string;
}

const AUDIENCE = /^(?:https:)?\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;

/** Reads `//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/providers/PROV`. */
export function parseWifAudience(audience: string): WifProvider | undefined {
  const match = AUDIENCE.exec(audience);
  return match ? { projectNumber: match[1]!, pool: match[2]!, provider: match[3]! } : undefined;
}

/** The IAM principal Google sees for our token: what the service-account binding must name. */
export function wifPrincipalFor(audience: string, subject: string): string | undefined {
  const provider = parseWifAudience(audience);
  if (!provider) return undefined;
  return `principal://iam.googleapis.com/projects/${provider.projectNumber}/locations/global/workloadIdentityPools/${provider.pool}/subject/${subject}`;
}

export interface WifSettings {
  /** AUDITFLOW_PUBLIC_URL: the `iss` of our tokens and the base of the discovery document. */
  issuer: string;
  keys: OidcSigningKeys;
  /** Google's STS token endpoint (AUDITFLOW_GCP_STS_URL), or a fake in tests. */
  stsUrl: string;
  /** Base of the IAM Credentials API (AUDITFLOW_GCP_IAM_CREDENTIALS_URL). */
  iamCredentialsUrl: string;
}

/** The issuer: AUDITFLOW_PUBLIC_URL without a trailing slash, or the local API for development. */
export function publicUrlFrom(env: NodeJS.ProcessEnv = process.env): string {
  const settings = settingsFrom(env);
  const url = settings.AUDITFLOW_PUBLIC_URL || `http://127.0.0.1:${settings.AUDITFLOW_API_PORT}`;
  try {
    new URL(url);
  } catch {
    throw new Error(`${PUBLIC_URL_VAR} must be an absolute URL, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

export function loadWifSettings(options: KeySourceOptions = {}): WifSettings {
  const env = options.env ?? process.env;
  return {
    issuer: publicUrlFrom(env),
    keys: loadOidcSigningKeys(options),
    stsUrl: settingsFrom(env).AUDITFLOW_GCP_STS_URL,
    iamCredentialsUrl: settingsFrom(env).AUDITFLOW_GCP_IAM_CREDENTIALS_URL.replace(/\/+$/, ''),
  };
}

const SERVICE_ACCOUNT_EMAIL = /^[^@/\s:?#%]+@[^@/\s:?#%]+$/;

export function impersonationUrlFor(iamCredentialsUrl: string, serviceAccountEmail: string): string {
  if (!SERVICE_ACCOUNT_EMAIL.test(serviceAccountEmail)) {
    throw new Error(`"${serviceAccountEmail.slice(0, 100)}" is not a service account email`);
  }
  return `${iamCredentialsUrl}/v1/projects/-/serviceAccounts/${serviceAccountEmail}:generateAccessToken`;
}

/** A signed RS256 JWT: `iss` our public URL, `sub` the integration's subject, `aud` the WIF provider. */
export function mintSubjectToken(settings: Pick<WifSettings, 'issuer' | 'keys'>, claims: { subject: string; audience: string }, now = Date.now()): string {
  const { kid, privateKey } = settings.keys.signing;
  const iat = Math.floor(now / 1000);
  const header = { alg: OIDC_SIGNING_ALG, typ: 'JWT', kid };
  const payload = {
    iss: settings.issuer,
    sub: claims.subject,
    aud: claims.audience,
    iat,
    nbf: iat - 30,
    exp: iat + SUBJECT_TOKEN_LIFETIME_SECONDS,
    jti: randomUUID(),
  };
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
