// Azure Blob Storage as a create-only sink: Put Blob with If-None-Match: *, so blob write (the
// Storage Blob Data Contributor role, or a custom role or SAS with create and write) suffices and
// nothing is ever overwritten.
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { ExportError } from '../../errors';
import type { ObjectStore, ObjectWriteOptions } from '../sink';
import { azureAuthKindOf, azureBlobUrl, type AzureBlobDestinationConfig } from './schema';

/** Azure Blob Storage as an ObjectStore: create-only writes and an MD5 comparison. */
export class AzureBlobObjectStore implements ObjectStore {
  constructor(
    private readonly client: ContainerClient,
    private readonly destination: AzureBlobDestinationConfig,
  ) {}

  urlOf(name: string): string {
    return azureBlobUrl(this.destination, name);
  }

  async createOnly(name: string, body: Buffer, options: ObjectWriteOptions = {}): Promise<'created' | 'exists'> {
    const md5 = createHash('md5').update(body).digest();
    try {
      await this.client.getBlockBlobClient(name).upload(body, body.length, {
        conditions: { ifNoneMatch: '*' },
        // Content-MD5: the service verifies the bytes it received (Md5Mismatch otherwise) and keeps the
        // hash as the blob's Content-MD5, which a retry compares.
        transactionalContentMD5: md5,
        blobHTTPHeaders: { blobContentType: options.contentType ?? 'application/x-ndjson', blobContentMD5: md5 },
        ...(options.metadata ? { metadata: azureMetadata(options.metadata) } : {}),
      });
      return 'created';
    } catch (error) {
      const { status, code } = azureErrorOf(error);
      if (status === 409 && (code === 'BlobAlreadyExists' || code === undefined)) return 'exists';
      throw classifyAzureError(error, this.destination, name);
    }
  }

  /** Reading properties needs blob read, which a create/write role or SAS lacks: then undefined. */
  async holdsSameBytes(name: string, body: Buffer): Promise<boolean | undefined> {
    let contentMD5: Uint8Array | undefined;
    try {
      ({ contentMD5 } = await this.client.getBlockBlobClient(name).getProperties());
    } catch (error) {
      const { status } = azureErrorOf(error);
      if (status === 403 || status === 401) return undefined;
      if (status === 404) {
        throw new ExportError('DestinationUnavailable', `${this.urlOf(name)} was reported as existing (409) but is not there now; will retry.`, {
          retryable: true,
        });
      }
      throw classifyAzureError(error, this.destination, name);
    }
    if (!contentMD5) return undefined;
    return Buffer.from(contentMD5).equals(createHash('md5').update(body).digest());
  }
}

/** Azure metadata names are C# identifiers: `auditflow-sha256` is written `auditflow_sha256` (verify reads both). */
export function azureMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key.replaceAll('-', '_'), value]));
}

/** The blob the connection probe tries to write: under the prefix, so least privilege covers it. */
export const probeBlobName = (prefix: string): string => `${prefix}.auditflow-write-probe`;

/**
 * Proves the credential may write under the prefix without leaving a blob: a Put Blob whose
 * Content-MD5 does not match its (empty) body. Azure checks the credential and the permission first,
 * then refuses the body (400 Md5Mismatch) and stores nothing; 409 (a probe blob already there) also
 * got past both.
 */
export async function probeAzureBlob(client: ContainerClient, destination: AzureBlobDestinationConfig): Promise<void> {
  const name = probeBlobName(destination.prefix);
  try {
    await client.getBlockBlobClient(name).upload(Buffer.alloc(0), 0, {
      conditions: { ifNoneMatch: '*' },
      transactionalContentMD5: createHash('md5').update('not the body').digest(),
    });
  } catch (error) {
    const { status, code } = azureErrorOf(error);
    if (code === 'Md5Mismatch' || status === 409) return;
    throw classifyAzureError(error, destination, name);
  }
}

/** The storage error code (x-ms-error-code: ContainerNotFound…) and HTTP status of an SDK error. */
export function azureErrorOf(error: unknown): { status?: number; code?: string } {
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  // HEAD answers carry the code only in the header, which the SDK puts in details.
  const code = typeof e?.details?.errorCode === 'string' ? e.details.errorCode : typeof e?.code === 'string' ? e.code : undefined;
  return { status, code };
}

/** The credential itself was refused (signature, expiry, revoked key): a fix of the credential, not of permissions. */
const CREDENTIAL_ERRORS = new Set(['AuthenticationFailed', 'InvalidAuthenticationInfo', 'NoAuthenticationInformation', 'AuthorizationFailure']);
/** The credential is valid but may not do this. */
const PERMISSION_ERRORS = new Set([
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'AuthorizationProtocolMismatch',
  'AuthorizationSourceIPMismatch',
  'InsufficientAccountPermissions',
]);
/** Answers about the store's state, not our request: worth a retry. Md5Mismatch: the bytes were damaged on the way. */
const TRANSIENT_ERRORS = new Set(['ServerBusy', 'OperationTimedOut', 'InternalError', 'Md5Mismatch', 'ContainerBeingDeleted']);
/** No answer at all (Node's network errors, the pipeline's own). */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'REQUEST_SEND_ERROR', 'PARSE_ERROR']);

export function classifyAzureError(error: unknown, destination: AzureBlobDestinationConfig, name: string): ExportError {
  // Already classified where it was raised (a token failure), with the more precise message.
  if (error instanceof ExportError) return error;
  if ((error as { cause?: unknown })?.cause instanceof ExportError) return (error as { cause: ExportError }).cause;
  const { status, code } = azureErrorOf(error);
  const { accountName, container, prefix } = destination;
  const where = azureBlobUrl(destination, name);
  const said = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const kind = azureAuthKindOf(destination.credentials);
  if (code === 'ContainerNotFound') {
    return new ExportError(
      'BucketNotFound',
      `Container "${container}" does not exist in storage account ${accountName}${destination.endpoint ? ` at ${destination.endpoint}` : ''}. Create it (az storage container create --account-name ${accountName} --name ${container} --auth-mode login) or fix the integration's container name.`,
      { retryable: false },
    );
  }
  if (code === 'KeyBasedAuthenticationNotPermitted') {
    return new ExportError(
      'DestinationAuth',
      `Storage account ${accountName} does not allow shared key authorization (${said}), so its account keys and SAS tokens signed with them are refused. Use Microsoft Entra ID credentials (a service principal or workload identity federation), or a user delegation SAS.`,
      { retryable: false },
    );
  }
  if ((code && CREDENTIAL_ERRORS.has(code)) || status === 401) {
    const fix: Record<typeof kind, string> = {
      accountKey: `Check the integration's accountKey: it must be a current access key of account ${accountName} (az storage account keys list --account-name ${accountName}); a rotated key is refused.`,
      sasToken: `Check the integration's sasToken: it may have expired, been revoked (its signing key rotated or its stored access policy removed), or be for another account or container. Issue a new one with create and write (sp=cw) on container ${container}.`,
      servicePrincipalSecret: `The token of the app registration was refused; check that it belongs to the storage account's tenant.`,
      workloadIdentityFederation: `The token of the app registration was refused; check that it belongs to the storage account's tenant.`,
      ambient: `The worker's ambient Azure identity was refused; check that it belongs to the storage account's tenant.`,
    };
    // AuthorizationFailure is also Azure's answer to a request the account's firewall blocks.
    const firewall = code === 'AuthorizationFailure' ? ` If the credential is right, the account's network rules may block the worker's address.` : '';
    return new ExportError('DestinationAuth', `Azure Storage rejected the credentials while writing ${where} (${said}). ${fix[kind]}${firewall}`, {
      retryable: false,
    });
  }
  if ((code && PERMISSION_ERRORS.has(code)) || status === 403) {
    return new ExportError('DestinationPermission', `Permission denied writing ${where} (${said}). ${permissionFix(destination, kind)}`, { retryable: false });
  }
  if (
    (code && TRANSIENT_ERRORS.has(code)) ||
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    (code && NETWORK_ERRORS.has(code)) ||
    status === undefined
  ) {
    return new ExportError('DestinationUnavailable', `Azure Blob Storage write of ${where} failed (${said || 'no answer'}); will retry.`, { retryable: true });
  }
  return new ExportError('InvalidConfig', `Azure Blob Storage refused the write of ${where} (${said}) under prefix "${prefix}".`, { retryable: false });
}

/** The least privilege to grant, in the words of the credential's kind. */
function permissionFix(destination: AzureBlobDestinationConfig, kind: ReturnType<typeof azureAuthKindOf>): string {
  const { accountName, container } = destination;
  if (kind === 'sasToken') return `Issue a SAS for container ${container} with create and write permission (sp=cw) and a new integration with it.`;
  if (kind === 'accountKey') return `An account key may do everything; the account or container refuses writes (an immutability or legal hold policy?).`;
  const assignee = destination.credentials && 'clientId' in destination.credentials ? destination.credentials.clientId : "the worker's identity";
  return (
    `Assign ${assignee} the role Storage Blob Data Contributor on container ${container} of account ${accountName} ` +
    `(az role assignment create --role "Storage Blob Data Contributor" --assignee ${assignee === "the worker's identity" ? '<principal id>' : assignee} ` +
    `--scope <account resource id>/blobServices/default/containers/${container}), or a custom role with only the data actions ` +
    `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write and …/blobs/add/action. Role assignments take a few minutes to apply.`
  );
}
