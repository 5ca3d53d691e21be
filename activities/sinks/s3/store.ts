// Amazon S3 (or an S3-compatible store) as a create-only sink: PutObject with If-None-Match: *, so the
// exporter needs only s3:PutObject on the prefix.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { ExportError } from '../../errors';
import type { ObjectWriteOptions } from '../sink';
import { s3ObjectUrl, type S3DestinationConfig } from './schema';

/** User metadata holding the body's MD5 (base64): the ETag is not the MD5 under SSE-KMS or on some stores. */
export const MD5_METADATA_KEY = 'auditflow-content-md5';
/** S3 answers 409 ConditionalRequestConflict while another conditional write of the key is in flight. */
const CONFLICT_ATTEMPTS = 4;
const CONFLICT_BACKOFF_MS = 250;

/** S3 as an ObjectStore (activities/sinks/sink.ts): create-only writes and an MD5 comparison. */
export class S3ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly destination: S3DestinationConfig,
    private readonly backoffMs = CONFLICT_BACKOFF_MS,
  ) {}

  urlOf(name: string): string {
    return s3ObjectUrl(this.destination.bucket, name);
  }

  async createOnly(name: string, body: Buffer, options: ObjectWriteOptions = {}): Promise<'created' | 'exists'> {
    const md5 = createHash('md5').update(body).digest('base64');
    const input: PutObjectCommandInput = {
      Bucket: this.destination.bucket,
      Key: name,
      Body: body,
      // Never ContentEncoding: gzip objects are gzip files (activities/sinks/object-format.ts).
      ContentType: options.contentType ?? 'application/x-ndjson',
      // Verified by the store against the bytes it received: a corrupted upload is refused (BadDigest).
      ContentMD5: md5,
      IfNoneMatch: '*',
      Metadata: { ...options.metadata, [MD5_METADATA_KEY]: md5 },
      ...sseHeaders(this.destination),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand(input));
        return 'created';
      } catch (error) {
        const { status, code } = s3ErrorOf(error);
        if (status === 412 || code === 'PreconditionFailed') return 'exists';
        if (code === 'ConditionalRequestConflict' && attempt < CONFLICT_ATTEMPTS) {
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw classifyS3Error(error, this.destination, name);
      }
    }
  }

  /**
   * Reading the object's metadata needs s3:GetObject, which least privilege does not grant: then
   * undefined. Our objects carry their MD5 in metadata; without it (another writer's object), a plain
   * single-part ETag is the MD5 (hex).
   */
  async holdsSameBytes(name: string, body: Buffer): Promise<boolean | undefined> {
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.destination.bucket, Key: name }));
    } catch (error) {
      const { status } = s3ErrorOf(error);
      if (status === 403 || status === 401) return undefined;
      if (status === 404) {
        // HEAD answers carry no error code: the bucket is there (the write just reached it), the object not.
        throw new ExportError('DestinationUnavailable', `${this.urlOf(name)} was reported as existing (412) but is not there now; will retry.`, {
          retryable: true,
        });
      }
      throw classifyS3Error(error, this.destination, name);
    }
    const md5 = createHash('md5').update(body);
    const stored = head.Metadata?.[MD5_METADATA_KEY];
    if (stored) return stored === md5.digest('base64');
    const etag = head.ETag?.replace(/"/g, '');
    if (etag && /^[0-9a-f]{32}$/.test(etag) && head.ServerSideEncryption !== 'aws:kms') return etag === md5.digest('hex');
    return undefined;
  }
}

function sseHeaders(destination: S3DestinationConfig): Partial<PutObjectCommandInput> {
  const sse = destination.serverSideEncryption;
  if (!sse) return {};
  if (sse.type === 'AES256') return { ServerSideEncryption: 'AES256' };
  return { ServerSideEncryption: 'aws:kms', ...(sse.kmsKeyId ? { SSEKMSKeyId: sse.kmsKeyId } : {}) };
}

/** The S3 error code (AccessDenied…) and HTTP status of an SDK error; HEAD answers carry no code. */
export function s3ErrorOf(error: unknown): { status?: number; code?: string; message?: string; region?: string } {
  const e = error as {
    name?: unknown;
    Code?: unknown;
    message?: unknown;
    Region?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $response?: { headers?: Record<string, string> };
  };
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' && e.name !== 'Error' && e.name !== 'Unknown' ? e.name : undefined;
  const region = typeof e?.Region === 'string' ? e.Region : e?.$response?.headers?.['x-amz-bucket-region'];
  return { status, code, message: typeof e?.message === 'string' ? e.message : undefined, region };
}

/** Errors of the credential itself: a fix of the keys, not of permissions. */
const CREDENTIAL_ERRORS = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
]);
/** Answers that say nothing about our request, only the store's state: worth a retry. */
const TRANSIENT_ERRORS = new Set([
  'SlowDown',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'BadDigest',
  'RequestTimeTooSkewed',
  'ConditionalRequestConflict',
  'OperationAborted',
]);
/** Node's network errors: no answer at all. */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

export function classifyS3Error(error: unknown, destination: S3DestinationConfig, name: string): ExportError {
  // Already classified where it was raised, with the more precise message.
  if (error instanceof ExportError) return error;
  const { bucket, prefix } = destination;
  const { status, code, region } = s3ErrorOf(error);
  const where = s3ObjectUrl(bucket, name);
  const said = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  if (code === 'NoSuchBucket') {
    return new ExportError(
      'BucketNotFound',
      `Bucket "${bucket}" does not exist${destination.endpoint ? ` at ${destination.endpoint}` : ` in ${destination.region}`}. Create it or fix the integration's bucket name.`,
      { retryable: false },
    );
  }
  if (code && CREDENTIAL_ERRORS.has(code)) {
    const fix = destination.credentials
      ? `Check the integration's access keys: ${code === 'SignatureDoesNotMatch' ? 'the secretAccessKey does not belong to the accessKeyId' : code === 'InvalidAccessKeyId' ? 'the accessKeyId does not exist (deleted or mistyped)' : "the session token is invalid or expired; use an IAM user's long-lived keys"}. Create a new access key (aws iam create-access-key) and a new integration with it.`
      : "Check the worker's ambient AWS credentials (AWS_* environment, profile, IRSA / Pod Identity or instance role).";
    return new ExportError('DestinationAuth', `S3 rejected the credentials while writing ${where} (${said}). ${fix}`, { retryable: false });
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || (status === 403 && !code) || code?.startsWith('KMS.')) {
    const kms = destination.serverSideEncryption?.type === 'aws:kms' ? ', and kms:GenerateDataKey on the KMS key' : '';
    return new ExportError(
      'DestinationPermission',
      `Permission denied writing ${where} (${said}). Grant the credential s3:PutObject on arn:aws:s3:::${bucket}/${prefix}*${kms}.`,
      { retryable: false },
    );
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException' || status === 301) {
    const hint = region ? `set the integration's region to ${region}` : "check the integration's region";
    return new ExportError('InvalidConfig', `Bucket "${bucket}" is not in region ${destination.region} (${said}): ${hint}.`, { retryable: false });
  }
  if (
    (code && TRANSIENT_ERRORS.has(code)) ||
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    (code && NETWORK_ERRORS.has(code))
  ) {
    return new ExportError('DestinationUnavailable', `S3 write of ${where} failed (${said || 'no answer'}); will retry.`, { retryable: true });
  }
  if (status === undefined) {
    // No HTTP answer: the SDK failed before or while sending (no ambient credentials, a broken connection).
    if (code === 'CredentialsProviderError' || /credential/i.test(code ?? '')) {
      return new ExportError(
        'DestinationAuth',
        `No AWS credentials for ${where}: the integration has none and the worker found no ambient ones (AWS_* environment, profile, IRSA / Pod Identity, instance role). Give the integration access keys or the worker an identity.`,
        { retryable: false },
      );
    }
    return new ExportError('DestinationUnavailable', `S3 write of ${where} failed (${code ?? 'no answer'}); will retry.`, { retryable: true });
  }
  return new ExportError('InvalidConfig', `S3 refused the write of ${where} (${said}).`, { retryable: false });
}
