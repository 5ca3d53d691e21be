// Google Cloud Storage as a create-only sink: the exporter needs only roles/storage.objectCreator.
import { createHash } from 'node:crypto';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ObjectStore, ObjectWriteOptions } from '../sink';
import type { GcsDestinationConfig } from './schema';
import { ExportError } from '../../errors';
import { gcsAuthFor, type GcsAuthContext } from './credentials';

/** GCS as an ObjectStore: create-only writes (ifGenerationMatch: 0) and an MD5 comparison. */
export class GcsObjectStore implements ObjectStore {
  constructor(
    private readonly storage: Storage,
    private readonly destination: GcsDestinationConfig,
  ) {}

  urlOf(name: string): string {
    return gcsObjectUrl(this.destination.bucket, name);
  }

  async createOnly(name: string, body: Buffer, options: ObjectWriteOptions = {}): Promise<'created' | 'exists'> {
    try {
      await this.file(name).save(body, {
        resumable: false,
        // Never contentEncoding: gzip objects are gzip files, not transcoded (activities/sinks/object-format.ts).
        contentType: options.contentType ?? 'application/x-ndjson',
        ...(options.metadata ? { metadata: { metadata: options.metadata } } : {}),
        preconditionOpts: { ifGenerationMatch: 0 },
        // Checked against the hash the server computed. MD5 is hashed natively; the library's
        // default CRC32C is JavaScript and was the largest single cost of an upload (bench profile).
        validation: 'md5',
      });
      return 'created';
    } catch (error) {
      if (httpStatus(error) !== 412) throw classifyGcsError(error, this.destination.bucket, name);
      return 'exists';
    }
  }

  /** Reading metadata needs storage.objects.get, which objectCreator lacks: then undefined. */
  async holdsSameBytes(name: string, body: Buffer): Promise<boolean | undefined> {
    let md5Hash: string | undefined;
    try {
      [{ md5Hash }] = await this.file(name).getMetadata();
    } catch (error) {
      const status = httpStatus(error);
      if (status === 403 || status === 401) return undefined;
      throw classifyGcsError(error, this.destination.bucket, name);
    }
    return !md5Hash || md5Hash === createHash('md5').update(body).digest('base64');
  }

  private file(name: string) {
    // kmsKeyName: the upload asks GCS to encrypt the object with this Cloud KMS key (CMEK).
    const { kmsKeyName } = this.destination;
    return this.storage.bucket(this.destination.bucket).file(name, kmsKeyName ? { kmsKeyName } : {});
  }
}

/** How people and Google's tools name an object. */
export const gcsObjectUrl = (bucket: string, name: string): string => `gs://${bucket}/${name}`;

/**
 * A storage client for one destination. Credentials (see gcs-credentials.ts): a service-account key,
 * workload identity federation, or — when absent — the worker's ambient credentials. The client keeps
 * its access token until shortly before expiry, so callers reuse one client per destination.
 */
export function createStorage(destination: GcsDestinationConfig, context: GcsAuthContext = {}): Storage {
  const options: StorageOptions = {
    retryOptions: { autoRetry: true, maxRetries: 3, totalTimeout: 120 },
  };
  if (destination.endpoint) {
    options.apiEndpoint = destination.endpoint;
    // An emulator or private endpoint still needs a project id for the client; it is not sent on writes.
    options.projectId = 'auditflow';
  }
  const auth = gcsAuthFor(destination, context);
  if (auth) {
    options.authClient = auth;
    // The client sends no auth to a custom endpoint unless told to: an emulator needs none, a private
    // endpoint (or our tests' checking proxy) does.
    if (destination.endpoint) options.useAuthWithCustomEndpoint = true;
  }
  return new Storage(options);
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function classifyGcsError(error: unknown, bucket: string, name: string): ExportError {
  // Already classified where it was raised (e.g. a credential exchange), with the more precise message.
  if (error instanceof ExportError) return error;
  const status = httpStatus(error);
  const where = gcsObjectUrl(bucket, name);
  if (status === 404) {
    return new ExportError('BucketNotFound', `Bucket "${bucket}" does not exist. Create it or fix the integration's bucket name.`, { retryable: false });
  }
  if (status === 401) {
    return new ExportError(
      'DestinationAuth',
      `Google Cloud Storage rejected the credentials while writing ${where}. Check the integration's GCP credentials.`,
      { retryable: false },
    );
  }
  if (status === 403) {
    return new ExportError(
      'DestinationPermission',
      `Permission denied writing ${where}. Grant the service account roles/storage.objectCreator on the bucket.`,
      { retryable: false },
    );
  }
  if (status === 400) {
    return new ExportError('InvalidConfig', `Google Cloud Storage rejected the write of ${where} (HTTP 400)`, { retryable: false });
  }
  const detail = status ? `HTTP ${status}` : ((error as { code?: string })?.code ?? (error as Error)?.message ?? 'unknown error');
  return new ExportError('DestinationUnavailable', `Google Cloud Storage write of ${where} failed (${detail})`, { retryable: true });
}
