// The Azure Blob Storage destination as the API accepts it, and its secret-free view.
import { z } from 'zod';
import { httpUrlSchema, safeText, secretSchema } from '../../../api/schemas/common';
import { wifSubjectFor } from '../../../lib/wif';
import { utf8Bytes } from '../../../workflows/object-names';
import { compressionSchema, compressionView, PREFIX_TEMPLATE_DOC, prefixTemplateRefinement } from '../destination-options';

/** Azure's limit on a blob name is 1,024 characters; counted in bytes of UTF-8 it is never exceeded. */
export const AZURE_MAX_BLOB_NAME_BYTES = 1024;
/** The audience Entra ID expects of a federated credential's assertion (its default for every issuer). */
export const AZURE_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/** https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-name */
export function accountNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 24) return 'must be 3 to 24 characters long';
  if (!/^[a-z0-9]+$/.test(name)) return 'may contain only lowercase letters and digits';
  return undefined;
}

/** https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata */
export function containerNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lowercase letters, digits and "-"';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('--')) return 'must not contain two adjacent "-"';
  return undefined;
}

const named = (what: string, problemOf: (name: string) => string | undefined) =>
  z.string().superRefine((name, ctx) => {
    const problem = problemOf(name);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });

/** `accountName.blob.core.windows.net` (and the sovereign clouds' blob.core.* hosts). */
const PUBLIC_BLOB_HOST = /^([a-z0-9]+)\.blob\.core\.[a-z0-9.]+$/;

/** Where the account's blobs are when no endpoint is given. */
export const defaultBlobEndpoint = (accountName: string): string => `https://${accountName}.blob.core.windows.net`;

/** One spelling per endpoint: lowercase scheme and host (URL does that), no default port, no trailing slash. */
export function normalizeBlobEndpoint(value: string): string {
  const url = URL.parse(value);
  if (!url) return value;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

const endpointSchema = httpUrlSchema
  .refine((value) => !URL.parse(value)?.search && !URL.parse(value)?.hash, 'must not have a query or a fragment (a SAS token goes in credentials.sasToken)')
  .overwrite(normalizeBlobEndpoint)
  .meta({
    description:
      "The account's blob service URL when it is not https://<accountName>.blob.core.windows.net: a private endpoint, a sovereign cloud, or Azurite (http://127.0.0.1:10000/<accountName>). Stored normalized.",
    example: 'https://myaccount.blob.core.windows.net',
  });

const prefixSchema = z
  .string()
  .refine((p) => utf8Bytes(p) <= AZURE_MAX_BLOB_NAME_BYTES, `prefix must be at most ${AZURE_MAX_BLOB_NAME_BYTES} bytes of UTF-8`)
  .superRefine(safeText('prefix'))
  .refine((p) => !p.startsWith('/'), 'prefix must not start with "/"')
  .refine((p) => !p.includes('..'), 'prefix must not contain ".."')
  .superRefine(prefixTemplateRefinement)
  .default('')
  .meta({ description: `Prepended to every blob name, e.g. "mondoo/". Default: the container root. ${PREFIX_TEMPLATE_DOC}`, example: 'mondoo/' });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant is named by its id or one of its domains (contoso.onmicrosoft.com); it becomes part of Entra's URL. */
const TENANT_DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

const tenantIdSchema = z
  .string()
  .refine((t) => GUID.test(t) || TENANT_DOMAIN.test(t), 'tenantId must be a directory (tenant) id such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or its domain')
  .meta({ description: 'The Microsoft Entra tenant (directory) id of the app registration.' });
const clientIdSchema = z
  .string()
  .regex(GUID, 'clientId must be an application (client) id such as 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0')
  .meta({ description: 'The application (client) id of the app registration or user-assigned managed identity.' });

/**
 * An app registration: with its client secret, or without one for workload identity federation. One
 * object with an optional secret, not two: a bad secret is then reported as the secret, not as "none of
 * the forms".
 */
const entraCredentialsSchema = z
  .strictObject({
    tenantId: tenantIdSchema,
    clientId: clientIdSchema,
    clientSecret: secretSchema('clientSecret')
      .optional()
      .meta({
        description: `A client secret of the app registration. Write-only: never returned. Absent: workload identity federation, no stored secret — the app registration trusts auditflow's OIDC tokens for this integration (a federated credential with auditflow's issuer, the integration's subject and audience ${AZURE_FEDERATION_AUDIENCE}).`,
        writeOnly: true,
      }),
  })
  .meta({ title: 'AzureEntraCredentials' });

const accountKeySchema = z
  .strictObject({
    accountKey: secretSchema('accountKey')
      .refine(
        (key) => /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0,
        'accountKey must be a storage account access key (base64, as az storage account keys list shows it)',
      )
      .meta({
        description: 'A storage account access key. It grants everything on the account: prefer a SAS token or Entra ID. Write-only: never returned.',
        writeOnly: true,
      }),
  })
  .meta({ title: 'AzureAccountKeyCredentials' });

/** Why a SAS token cannot serve create-only uploads, if it cannot; never quotes the token. */
export function sasTokenProblem(token: string): string | undefined {
  const params = new URLSearchParams(token.replace(/^\?/, ''));
  if (!params.get('sig') || !params.get('sv')) return 'sasToken must be a shared access signature query string (with sv=… and sig=…), without the URL';
  const permissions = params.get('sp');
  // A create-only SAS (sp=c) cannot even be refused with 409: a retried write of a blob that landed
  // would be a permission error. Write with If-None-Match: * never overwrites, so sp=cw is still create-only.
  if (permissions !== null && !permissions.includes('w'))
    return 'sasToken must grant write (sp=cw): create alone turns a retried upload into a permission error';
  return undefined;
}

const sasTokenSchema = z
  .strictObject({
    sasToken: secretSchema('sasToken')
      .superRefine((token, ctx) => {
        const problem = sasTokenProblem(token);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({
        description:
          'A shared access signature (the query string, with or without "?") for the container with create and write permission (sp=cw). Write-only: never returned.',
        writeOnly: true,
      }),
  })
  .meta({ title: 'AzureSasTokenCredentials' });

export const azureCredentialsSchema = z
  .union([entraCredentialsSchema, accountKeySchema, sasTokenSchema], {
    error:
      'credentials must be exactly one of {tenantId, clientId, clientSecret}, {tenantId, clientId}, {accountKey} or {sasToken}; omit it for the worker’s ambient Azure identity',
  })
  .meta({ description: "Absent: the worker's ambient Azure identity (environment, AKS workload identity, managed identity)." });

export const azureBlobDestinationSchema = z
  .strictObject({
    type: z.literal('azure-blob'),
    accountName: named('accountName', accountNameProblem).meta({ description: 'The storage account.', example: 'myaccount' }),
    container: named('container name', containerNameProblem).meta({
      description: 'An existing container; the exporter needs only Storage Blob Data Contributor on it (or a role with blob write alone).',
      example: 'audit-logs',
    }),
    prefix: prefixSchema,
    endpoint: endpointSchema.optional(),
    credentials: azureCredentialsSchema.optional(),
    compression: compressionSchema,
  })
  .superRefine((destination, ctx) => {
    // The account's own host names the account: a mismatch would write into another account than the one named.
    const host = destination.endpoint ? URL.parse(destination.endpoint)?.hostname : undefined;
    const named = host ? PUBLIC_BLOB_HOST.exec(host)?.[1] : undefined;
    if (named && named !== destination.accountName) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `endpoint is account "${named}"'s, not accountName "${destination.accountName}"'s` });
    }
  })
  .meta({ title: 'AzureBlobDestination' });

export const azureAuthKinds = ['servicePrincipalSecret', 'workloadIdentityFederation', 'accountKey', 'sasToken', 'ambient'] as const;

/** The secret-free view: the kind of credential; for the app registration kinds its (public) ids. */
export const azureBlobDestinationViewSchema = z
  .strictObject({
    type: z.literal('azure-blob'),
    accountName: z.string(),
    container: z.string(),
    prefix: z.string(),
    endpoint: z.string().optional(),
    compression: z.enum(['none', 'gzip']).optional(),
    auth: z.enum(azureAuthKinds),
    tenantId: z.string().optional(),
    clientId: z.string().optional(),
    subject: z
      .string()
      .optional()
      .meta({ description: 'The `sub` of the tokens auditflow signs for this integration: the federated credential must name it.' }),
    audience: z.string().optional().meta({ description: 'The `aud` of those tokens: the federated credential must accept it.' }),
  })
  .meta({ title: 'AzureBlobDestinationView' });

export type AzureBlobDestinationConfig = z.output<typeof azureBlobDestinationSchema>;
export type AzureCredentials = z.output<typeof azureCredentialsSchema>;
export type AzureBlobDestinationView = z.output<typeof azureBlobDestinationViewSchema>;
export type AzureAuthKind = (typeof azureAuthKinds)[number];

export function azureAuthKindOf(credentials: AzureCredentials | undefined): AzureAuthKind {
  if (!credentials) return 'ambient';
  if ('tenantId' in credentials) return credentials.clientSecret === undefined ? 'workloadIdentityFederation' : 'servicePrincipalSecret';
  if ('accountKey' in credentials) return 'accountKey';
  return 'sasToken';
}

export function azureBlobDestinationView(destination: AzureBlobDestinationConfig, integrationId: string): AzureBlobDestinationView {
  const { type, accountName, container, prefix, endpoint, credentials, compression } = destination;
  const auth = azureAuthKindOf(credentials);
  const view: AzureBlobDestinationView = { type, accountName, container, prefix, ...(endpoint ? { endpoint } : {}), ...compressionView(compression), auth };
  if (credentials && 'tenantId' in credentials) Object.assign(view, { tenantId: credentials.tenantId, clientId: credentials.clientId });
  if (auth === 'workloadIdentityFederation') Object.assign(view, { subject: wifSubjectFor(integrationId), audience: AZURE_FEDERATION_AUDIENCE });
  return view;
}

/** How people and azcopy name a blob (or, with a prefix as `name`, a folder). */
export function azureBlobUrl(destination: Pick<AzureBlobDestinationConfig, 'accountName' | 'container' | 'endpoint'>, name: string): string {
  return `${destination.endpoint ?? defaultBlobEndpoint(destination.accountName)}/${destination.container}/${name}`;
}
