// The Microsoft Entra ID kinds of Azure credentials: a service principal's client secret, workload
// identity federation with auditflow as the OIDC issuer (no stored secret), and the worker's ambient
// identity. Each is one TokenCredential (@azure/identity keeps its tokens until shortly before expiry)
// whose failures become ExportErrors a person can act on, never quoting a secret or a token.
import { Context, log } from '@temporalio/activity';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import {
  AuthenticationError,
  AzureAuthorityHosts,
  ChainedTokenCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
  EnvironmentCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import { workflowIdFor } from '../../../contracts/workflow-ids';
import { openedSecret, type SealedSecret } from '../../../lib/sealing';
import { loadWifSettings, mintSubjectToken, wifSubjectFor, type WifSettings } from '../../../lib/wif';
import { ExportError } from '../../errors';
import { AZURE_FEDERATION_AUDIENCE, type AzureCredentials } from './schema';

/** @azure/identity's own variable for Entra's host (sovereign clouds; a fake in tests). */
export const AUTHORITY_HOST_VAR = 'AZURE_AUTHORITY_HOST';

export interface AzureAuthContext {
  /** The integration whose federation subject is used; default: from the running activity's workflow id. */
  integrationId?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: loadWifSettings({ env }) when a federated destination is first used. */
  wif?: WifSettings;
}

type EntraCredentials = Extract<AzureCredentials, { tenantId: string }>;

/** Entra's host, and whether MSAL may ask Microsoft's discovery service about it (only for Microsoft's own hosts). */
function authorityOptions(env: NodeJS.ProcessEnv): TokenCredentialOptions & { disableInstanceDiscovery?: boolean } {
  const authorityHost = env[AUTHORITY_HOST_VAR];
  if (!authorityHost) return {};
  const known = (Object.values(AzureAuthorityHosts) as string[]).some((host) => new URL(host).host === URL.parse(authorityHost)?.host);
  return { authorityHost, ...(known ? {} : { disableInstanceDiscovery: true }) };
}

/** The token credential of an Entra kind (or of the ambient identity when `credentials` is undefined). */
export function azureTokenCredential(credentials: EntraCredentials | undefined, context: AzureAuthContext = {}): TokenCredential {
  const env = context.env ?? process.env;
  const options = authorityOptions(env);
  if (!credentials) return new ExporterCredential(ambientCredential(env, options), ambientFailure);
  const { tenantId, clientId } = credentials;
  if (credentials.clientSecret !== undefined) {
    const secret = openedSecret(credentials.clientSecret as string | SealedSecret, 'destination.credentials.clientSecret');
    return new ExporterCredential(new ClientSecretCredential(tenantId, clientId, secret, options), secretFailure(tenantId, clientId));
  }
  let wif = context.wif;
  try {
    wif ??= loadWifSettings({ env, log: { warn } });
  } catch (error) {
    throw invalidConfig(`The worker cannot sign workload identity tokens: ${(error as Error).message}`);
  }
  const settings = wif;
  // One credential per integration, each caching its own token: the subject is the integration's
  // identity, so integrations with the very same destination (one cached store) never share a token.
  const perIntegration = new Map<string, TokenCredential>();
  return {
    getToken: async (scopes, tokenOptions) => {
      const integrationId = context.integrationId ?? integrationIdOfActivity();
      let credential = perIntegration.get(integrationId);
      if (!credential) {
        let subject: string;
        try {
          subject = wifSubjectFor(integrationId);
        } catch (error) {
          throw invalidConfig((error as Error).message);
        }
        const assertion = async () => mintSubjectToken(settings, { subject, audience: AZURE_FEDERATION_AUDIENCE });
        credential = new ExporterCredential(
          new ClientAssertionCredential(tenantId, clientId, assertion, options),
          federationFailure(tenantId, clientId, settings.issuer, subject),
        );
        perIntegration.set(integrationId, credential);
      }
      return credential.getToken(scopes, tokenOptions);
    },
  };
}

/**
 * The worker's own identity, as DefaultAzureCredential finds it on a server: AZURE_* environment
 * (a service principal), AKS workload identity, then managed identity. Not the developer tools
 * (Azure CLI, VS Code) DefaultAzureCredential also tries: a worker should not act as whoever last
 * logged in on its machine.
 */
function ambientCredential(env: NodeJS.ProcessEnv, options: TokenCredentialOptions): TokenCredential {
  const chain: TokenCredential[] = [new EnvironmentCredential(options)];
  // Its constructor refuses to build without AKS's variables; then it is simply not in the chain.
  if (env.AZURE_FEDERATED_TOKEN_FILE) chain.push(new WorkloadIdentityCredential(options));
  const managedClientId = env.AZURE_CLIENT_ID;
  chain.push(new ManagedIdentityCredential(managedClientId ? { clientId: managedClientId, ...options } : options));
  return new ChainedTokenCredential(...chain);
}

/** The integration of the running upload: its workflow id is `audit-log-export-<integrationId>`. */
function integrationIdOfActivity(): string {
  const prefix = workflowIdFor('');
  let workflowId = '';
  try {
    workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  } catch {
    // Not inside an activity.
  }
  if (!workflowId.startsWith(prefix)) {
    throw invalidConfig('Workload identity federation needs the integration id; it is taken from the export workflow running the upload.');
  }
  return workflowId.slice(prefix.length);
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

interface TokenFailure {
  status?: number;
  /** OAuth `error` (invalid_client…) and Entra's AADSTS code, if it answered. */
  code?: string;
  detail?: string;
}

type Describe = (failure: TokenFailure) => string;

/** Turns every token failure into an ExportError: transient ones retryable, the rest naming the fix. */
class ExporterCredential implements TokenCredential {
  constructor(
    private readonly inner: TokenCredential,
    private readonly describe: Describe,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (error) {
      throw toExportError(error, this.describe);
    }
  }
}

function toExportError(error: unknown, describe: Describe): ExportError {
  if (error instanceof ExportError) return error;
  const failure = tokenFailure(error);
  const transient =
    failure.status === undefined ? !(error instanceof CredentialUnavailableError) : failure.status === 408 || failure.status === 429 || failure.status >= 500;
  if (transient) {
    return new ExportError('DestinationUnavailable', `Getting a Microsoft Entra token failed (${said(failure) || 'no answer'}); will retry.`, {
      retryable: true,
    });
  }
  return new ExportError('DestinationAuth', describe(failure), { retryable: false });
}

/** OAuth errors of a token endpoint that answered: the request itself was refused. */
const OAUTH_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_request',
  'invalid_scope',
  'invalid_resource',
  'unsupported_grant_type',
]);

/**
 * What Entra said. @azure/identity passes on an AuthenticationError (its own HTTP calls), or wraps
 * MSAL's ServerError (Entra answered) or ClientAuthError (no answer) in an AuthenticationRequiredError.
 */
function tokenFailure(error: unknown): TokenFailure {
  if (error instanceof AuthenticationError) {
    const { error: code, errorDescription } = error.errorResponse ?? {};
    return { status: error.statusCode, ...entraSaid(code, errorDescription) };
  }
  const cause = (error as { cause?: { name?: unknown; errorCode?: unknown; errorMessage?: unknown; status?: unknown } })?.cause;
  if (typeof cause?.errorCode === 'string' && (cause.name === 'ServerError' || OAUTH_ERRORS.has(cause.errorCode))) {
    const status = typeof cause.status === 'number' ? cause.status : 400;
    return { status, ...entraSaid(cause.errorCode, typeof cause.errorMessage === 'string' ? cause.errorMessage : undefined) };
  }
  const message = (error as { message?: unknown })?.message;
  return { detail: typeof message === 'string' ? scrub(message) : undefined };
}

/** Entra's descriptions carry an AADSTS code and the reason, then trace and correlation ids and times. */
function entraSaid(code: string | undefined, description: string | undefined): Pick<TokenFailure, 'code' | 'detail'> {
  const reason = /AADSTS\d+: (.*?)(?:\r?\n| - | Trace ID| Correlation ID|$)/.exec(description ?? '');
  const aadsts = /AADSTS\d+/.exec(description ?? '')?.[0];
  return { code: [code, aadsts].filter(Boolean).join(' ') || undefined, ...(reason?.[1] ? { detail: scrub(reason[1]) } : {}) };
}

/** Token services explain in prose; drop anything that looks like a token or a key (not ids with dashes: subjects, GUIDs), and bound the length. */
function scrub(text: string): string {
  return text
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[token]')
    .replace(/[A-Za-z0-9+/_~.]{32,}={0,2}/g, '[redacted]')
    .slice(0, 300);
}

const said = (f: TokenFailure) => [f.code, f.detail].filter(Boolean).join(': ') || (f.status ? `HTTP ${f.status}` : '');

function secretFailure(tenantId: string, clientId: string): Describe {
  return (f) =>
    `Microsoft Entra ID rejected the client secret of app ${clientId} in tenant ${tenantId} (${said(f)}). The secret may have expired or been deleted, ` +
    `or the app registration removed: create a new secret (az ad app credential reset --id ${clientId} --append) and a new integration with it.`;
}

function federationFailure(tenantId: string, clientId: string, issuer: string, subject: string): Describe {
  return (f) =>
    `Microsoft Entra ID rejected auditflow's identity token for app ${clientId} in tenant ${tenantId} (${said(f)}). Give the app registration a ` +
    `federated credential with issuer ${issuer} (JWKS at ${issuer}/.well-known/jwks.json, reachable from Entra ID), subject ${subject} ` +
    `and audience ${AZURE_FEDERATION_AUDIENCE} (az ad app federated-credential create --id ${clientId} --parameters …).`;
}

const ambientFailure: Describe = (f) =>
  `The worker's ambient Azure identity was refused or not found (${said(f) || 'none'}). Check the AZURE_* environment, the AKS workload ` +
  `identity or the managed identity of the worker, or give the integration its own credentials.`;
