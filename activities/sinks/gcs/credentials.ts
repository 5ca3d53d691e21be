// The three kinds of GCS credentials: a service-account key, workload identity federation with
// auditflow as the OIDC issuer, and the worker's ambient credentials (ADC). Each becomes one GoogleAuth
// that google-auth-library keeps tokens in until shortly before expiry, and whose token failures become
// ExportErrors a person can act on, never quoting a key or a token.
import { log } from '@temporalio/activity';
import { GoogleAuth, IdentityPoolClient, JWT, type AnyAuthClient, type GoogleAuthOptions } from 'google-auth-library';
import {
  impersonationUrlFor,
  loadWifSettings,
  mintSubjectToken,
  parseWifAudience,
  SUBJECT_TOKEN_TYPE,
  wifPrincipalFor,
  wifSubjectFor,
  type WifSettings,
} from '../../../lib/wif';
import { openedSecret } from '../../../lib/sealing';
import { integrationIdOfActivity } from '../integration-of-activity';
import type { GcsCredentials, GcsDestinationConfig } from './schema';
import { ExportError } from '../../errors';
import { parseServiceAccountJson, type ServiceAccountKey } from './service-account-key';
import { GOOGLE_TOKEN_URI, GOOGLE_TOKEN_URIS, normalizedUrl, tokenUriProblem } from './token-uri';
import { settingsFrom } from '../../../lib/settings';

/** Create-only writes need no more; IAM on the bucket decides the rest. */
const STORAGE_SCOPES = ['https://www.googleapis.com/auth/devstorage.read_write'];
export interface GcsAuthContext {
  /** The integration whose WIF subject is used; default: from the running activity's workflow id. */
  integrationId?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: loadWifSettings({ env }) when a WIF destination is first used. */
  wif?: WifSettings;
  /** OAuth scopes of the tokens. Default: storage read/write; the Cloud Audit Logs source asks for logging.read. */
  scopes?: string[];
  /** Where the key sits in the integration, for errors about it. Default: destination.credentials.serviceAccountJson. */
  secretPath?: string;
  /** What the service account needs, for the impersonation failure. Default: roles/storage.objectCreator on the bucket. */
  roleHint?: string;
}

/**
 * The auth createStorage installs, or undefined for none (an emulator without credentials). Any
 * Google API client with the same three kinds of credentials uses it too (the Cloud Audit Logs source),
 * with its own `context.scopes`.
 */
export function gcsAuthFor(destination: Pick<GcsDestinationConfig, 'credentials' | 'endpoint'>, context: GcsAuthContext = {}): GoogleAuth | undefined {
  const { credentials } = destination;
  const scopes = context.scopes ?? STORAGE_SCOPES;
  if (credentials && 'serviceAccountJson' in credentials) {
    const key = parseServiceAccountKey(openedSecret(credentials.serviceAccountJson, context.secretPath ?? 'destination.credentials.serviceAccountJson'));
    const problem = tokenUriProblem(key.token_uri, context.env ?? process.env);
    if (problem) throw invalidConfig(`The integration's serviceAccountJson (${key.client_email}) is refused: its ${problem}.`);
    return new ExporterAuth({ authClient: serviceAccountClient(key, scopes) }, serviceAccountFailure(key.client_email));
  }
  if (credentials) return wifAuth(credentials, context);
  const env = context.env ?? process.env;
  // Ambient credentials are the worker's own identity: never hand them to an endpoint an integration
  // chose unless the operator trusts it. Without credentials an emulator gets no auth at all.
  if (destination.endpoint && !trustedEndpoints(env).has(originOf(destination.endpoint))) return undefined;
  return new ExporterAuth({ scopes }, ambientFailure);
}

function trustedEndpoints(env: NodeJS.ProcessEnv): Set<string> {
  return new Set((settingsFrom(env).AUDITFLOW_GCS_TRUSTED_ENDPOINTS ?? []).map(originOf));
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The activity's logger inside an activity (it carries the workflow's ids), the console elsewhere. */
function warn(message: string): void {
  try {
    log.warn(message);
  } catch {
    console.warn(message);
  }
}

const invalidConfig = (message: string) => new ExportError('InvalidConfig', message, { retryable: false });

/** Never echoes the JSON (see parseServiceAccountJson); the API checked it with the same schema. */
export function parseServiceAccountKey(json: string): ServiceAccountKey {
  const parsed = parseServiceAccountJson(json);
  if ('problem' in parsed) throw invalidConfig(`The integration's ${parsed.problem}.`);
  return parsed.key;
}

function serviceAccountClient(key: ServiceAccountKey, scopes: string[]): JWT {
  const jwt = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes, projectId: key.project_id });
  const tokenUri = key.token_uri;
  if (tokenUri && !GOOGLE_TOKEN_URIS.has(normalizedUrl(tokenUri) ?? tokenUri)) {
    // google-auth-library always posts to Google's endpoint; a key file may name another one that the
    // operator trusts (gcsAuthFor refused any other), as Google's Python and Go libraries honour it.
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URI) config.url = new URL(tokenUri);
        return config;
      },
    });
  }
  return jwt;
}

function wifAuth(credentials: Extract<GcsCredentials, { wifAudience: string }>, context: GcsAuthContext): GoogleAuth {
  const { wifAudience: audience, wifServiceAccountEmail: email } = credentials;
  if (!parseWifAudience(audience)) {
    throw invalidConfig(
      `wifAudience "${audience}" is not a workload identity provider; expected //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`,
    );
  }
  let settings = context.wif;
  try {
    settings ??= loadWifSettings({ env: context.env, log: { warn } });
  } catch (error) {
    throw invalidConfig(`The worker cannot sign workload identity tokens: ${(error as Error).message}`);
  }
  const wif = settings;
  let impersonationUrl: string;
  try {
    impersonationUrl = impersonationUrlFor(wif.iamCredentialsUrl, email);
  } catch (error) {
    throw invalidConfig(`wifServiceAccountEmail: ${(error as Error).message}`);
  }
  // One client per integration, each caching its own token: the subject is the integration's identity,
  // so even integrations with the very same destination (one cached storage client) never share one.
  const perIntegration = new Map<string, Resolved>();
  return new ExporterAuth({}, wifFailure({ wif, audience, email, impersonationUrl, subject: '<integration>', roleHint: context.roleHint }), () => {
    const integrationId = context.integrationId ?? integrationIdOfActivity();
    let resolved = perIntegration.get(integrationId);
    if (!resolved) {
      let subject: string;
      try {
        subject = wifSubjectFor(integrationId);
      } catch (error) {
        throw invalidConfig((error as Error).message);
      }
      const client = new IdentityPoolClient({
        type: 'external_account',
        audience,
        subject_token_type: SUBJECT_TOKEN_TYPE,
        token_url: wif.stsUrl,
        service_account_impersonation_url: impersonationUrl,
        subject_token_supplier: { getSubjectToken: async () => mintSubjectToken(wif, { subject, audience }) },
        scopes: context.scopes ?? STORAGE_SCOPES,
      });
      resolved = { client, describe: wifFailure({ wif, audience, email, impersonationUrl, subject, roleHint: context.roleHint }) };
      perIntegration.set(integrationId, resolved);
    }
    return resolved;
  });
}

interface TokenFailure {
  /** HTTP status of the token service, if it answered. */
  status?: number;
  /** OAuth `error` (invalid_grant…) or Google API status (PERMISSION_DENIED…). */
  code?: string;
  /** The service's own explanation, shortened; it never contains our credentials. */
  detail?: string;
  /** The URL that failed. */
  url: string;
  /** A request was sent (the library did not fail before, e.g. for want of any credentials). */
  requested: boolean;
}

type Describe = (failure: TokenFailure) => string;

type Resolved = { client: AnyAuthClient; describe: Describe };

/** One place where every kind turns token failures into ExportErrors, and the only GoogleAuth we build. */
class ExporterAuth extends GoogleAuth {
  constructor(
    options: GoogleAuthOptions,
    private readonly describe: Describe,
    /** WIF: the client (and failure wording) of the integration whose upload is running. */
    private readonly resolve?: () => Resolved,
  ) {
    super(options);
  }

  override async getClient(): Promise<AnyAuthClient> {
    return this.resolve ? this.resolve().client : super.getClient();
  }

  override async authorizeRequest(opts?: Parameters<GoogleAuth['authorizeRequest']>[0]) {
    let describe = this.describe;
    try {
      if (this.resolve) describe = this.resolve().describe;
      return await super.authorizeRequest(opts);
    } catch (error) {
      throw toExportError(error, describe);
    }
  }
}

function toExportError(error: unknown, describe: Describe): ExportError {
  if (error instanceof ExportError) return withStatus(error, error.kind === 'InvalidConfig' ? 400 : 401);
  const failure = tokenFailure(error);
  // No answer to a request we made (refused, reset, timed out), or a throttled or failing service.
  const transient = failure.status === undefined ? failure.requested : failure.status === 408 || failure.status === 429 || failure.status >= 500;
  if (transient) {
    const why = failure.status ? `HTTP ${failure.status}` : (failure.code ?? 'no answer');
    return withStatus(
      new ExportError('DestinationUnavailable', `Getting a Google access token from ${failure.url} failed (${why}); will retry.`, { retryable: true }),
      503,
    );
  }
  return withStatus(new ExportError('DestinationAuth', describe(failure), { retryable: false }), 401);
}

/**
 * classifyGcsError maps errors by numeric `code` (401 → DestinationAuth, 400 → InvalidConfig, 503 →
 * retryable); the ExportError itself carries the actionable message.
 */
function withStatus(error: ExportError, code: number): ExportError {
  return Object.assign(error, { code });
}

function tokenFailure(error: unknown): TokenFailure {
  const e = error as { status?: unknown; code?: unknown; message?: unknown; config?: { url?: unknown }; response?: { status?: unknown; data?: unknown } };
  const status = typeof e?.response?.status === 'number' ? e.response.status : typeof e?.status === 'number' ? e.status : undefined;
  const data = e?.response?.data as { error?: unknown; error_description?: unknown } | undefined;
  let code: string | undefined;
  let detail: string | undefined;
  if (typeof data?.error === 'string') {
    code = data.error;
    detail = typeof data.error_description === 'string' ? data.error_description : undefined;
  } else if (data?.error && typeof data.error === 'object') {
    const apiError = data.error as { status?: unknown; message?: unknown };
    code = typeof apiError.status === 'string' ? apiError.status : undefined;
    detail = typeof apiError.message === 'string' ? apiError.message : undefined;
  } else if (!e?.config && typeof e?.message === 'string') {
    // The library failed before any request (no ambient credentials, an unreadable credentials file).
    detail = e.message;
  }
  if (!code && typeof e?.code === 'string') code = e.code;
  const url = e?.config?.url ? String(e.config.url).split('?')[0]! : 'the token service';
  return { status, code, detail: detail && scrub(detail), url, requested: Boolean(e?.config) };
}

/** Token services explain in prose; drop anything that looks like a token or key, and bound the length. */
function scrub(text: string): string {
  return text
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[token]')
    .replace(/-----BEGIN[\s\S]*?(-----END[^-]*-----|$)/g, '[key]')
    .replace(/ya29\.[\w.-]+/g, '[token]')
    .replace(/[A-Za-z0-9+_-]{40,}={0,2}/g, '[redacted]')
    .slice(0, 300);
}

const said = (f: TokenFailure) => [f.code, f.detail].filter(Boolean).join(': ') || `HTTP ${f.status}`;

function serviceAccountFailure(email: string): Describe {
  return (f) =>
    `Google rejected the service-account key of ${email} (${said(f)}). The key may have been deleted, disabled or revoked, ` +
    `or the account disabled: create a new JSON key (IAM → Service accounts → Keys) and update the integration.`;
}

function wifFailure(p: { wif: WifSettings; audience: string; email: string; impersonationUrl: string; subject: string; roleHint?: string }): Describe {
  const principal = wifPrincipalFor(p.audience, p.subject);
  return (f) => {
    if (f.url === p.impersonationUrl) {
      return (
        `${principal} may not impersonate ${p.email} (${said(f)}). Grant it roles/iam.workloadIdentityUser on that service account ` +
        `(gcloud iam service-accounts add-iam-policy-binding ${p.email} --role=roles/iam.workloadIdentityUser --member=${principal}), ` +
        `and ${p.roleHint ?? 'roles/storage.objectCreator on the bucket'} to the service account.`
      );
    }
    return (
      `Google's Security Token Service rejected auditflow's identity token for ${p.audience} (${said(f)}). Check that this provider ` +
      `has issuer ${p.wif.issuer} (JWKS at ${p.wif.issuer}/.well-known/jwks.json, reachable from Google or uploaded to the provider), ` +
      `accepts the audience ${p.audience}, and maps google.subject=assertion.sub.`
    );
  };
}

const ambientFailure: Describe = (f) =>
  `The worker's ambient Google credentials (Application Default Credentials) were refused (${said(f)}). Check ` +
  `GOOGLE_APPLICATION_CREDENTIALS or the workload identity of the worker's node or pod, or give the integration its own credentials.`;
