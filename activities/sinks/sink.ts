// The contract of a destination connector: create-only object storage. One connector per folder
// (activities/sinks/<type>/), registered by one line in ./registry.ts; the workflow, upload, the API
// and the logger then work for it without change.
import type { z } from 'zod';
import type { DestinationConfig } from '../../contracts/connector-config';

/** What a write carries besides the bytes. */
export interface ObjectWriteOptions {
  /**
   * The object's integrity metadata (activities/evidence/object-metadata.ts; names in
   * lib/evidence/format.ts): every store writes it with the object, in the same create-only request
   * (GCS object metadata, S3 `x-amz-meta-*`, Azure blob metadata with `_` for `-`), so `verify` and an
   * auditor read it from the object itself.
   */
  metadata?: Record<string, string>;
  /** Default `application/x-ndjson` (the data objects); manifests are `application/jose`. */
  contentType?: string;
}

/** One destination's object store, opened once per destination and reused (connections, tokens). */
export interface ObjectStore {
  /** How a person finds object `name` (e.g. `gs://bucket/name`): for summaries, logs and errors. */
  urlOf(name: string): string;
  /**
   * Writes `name` only if no object of that name exists (a create-only precondition, so a credential
   * that may only create objects suffices). `exists`: it was there already, most often a retried
   * write that had succeeded. Throws an ExportError on failure (retryable, or a kind and a message a
   * person can act on).
   */
  createOnly(name: string, body: Buffer, options?: ObjectWriteOptions): Promise<'created' | 'exists'>;
  /**
   * Whether the existing object `name` holds exactly `body` (by a hash the store computed). Undefined
   * when the credential may not read it: the object is then taken as ours (names are unique per
   * integration, so that is the usual case).
   */
  holdsSameBytes(name: string, body: Buffer): Promise<boolean | undefined>;
}

/** Read access to a destination, for `verify` (lib/evidence/verify.ts) with an auditor's read-only credentials. */
export interface ObjectReader {
  urlOf(name: string): string;
  /** Every object whose name starts with `prefix`, with its size. */
  list(prefix: string): Promise<Array<{ name: string; bytes: number }>>;
  /** An object's bytes as stored and its user metadata (names as written, e.g. `auditflow-sha256`). */
  read(name: string): Promise<{ body: Buffer; metadata: Record<string, string> }>;
}

/**
 * A destination connector. `Config` is the output of `configSchema` (credentials included: it is the
 * workflow input, which the payload codec encrypts); `View` what the API shows of it.
 */
export interface SinkConnector<Config extends DestinationConfig = DestinationConfig, View = unknown> {
  /** The `destination.type` that picks this connector, e.g. `gcs`. Never changes once released. */
  readonly type: Config['type'];
  /** The store's name for people, e.g. `Google Cloud Storage` (in messages about its limits). */
  readonly storeName: string;
  /** The store's limit on an object name, in bytes of UTF-8: the API refuses a prefix that would pass it. */
  readonly maxObjectNameBytes: number;
  /**
   * The one schema of the config (a `z.strictObject` with `type: z.literal(<type>)` and a `prefix`),
   * used by the API to validate and document, by the worker to type. Mark every secret with
   * `.meta({ writeOnly: true })`: that drives log redaction and keeps it out of responses.
   */
  readonly configSchema: z.ZodObject;
  /** The secret-free view the API returns and keeps in the workflow memo (a `z.strictObject`). */
  readonly viewSchema: z.ZodObject;
  /** `integrationId`: for views that show per-integration identities (e.g. a federation subject). */
  view(config: Config, integrationId: string): View;
  /**
   * From the public view: `objectUrlBase` is where objects land, ready to take an object name (which
   * includes the prefix), e.g. `gs://bucket/`, for summaries, logs and errors; `namespace` names the
   * store and bucket, spelled one way (equal for two views exactly when they write into the same
   * object namespace, whatever the spelling of an endpoint): the API claims `namespace` + prefix +
   * scope so no two integrations write the same object names (api/destination-claims.ts). A new sink
   * starts its namespace with its type, so it never equals another kind's. `endpoint`: a custom
   * endpoint, for messages.
   */
  location(view: View): { objectUrlBase: string; namespace: string[]; endpoint?: string };
  /** The store for one destination; the caller keeps it for the destination's next uploads. */
  open(config: Config): ObjectStore;
  /**
   * Reads the destination (list, get) with the credentials in `config`, for `verify`. Every sink
   * offers it, so an auditor checks any destination's evidence.
   */
  openReader(config: Config): ObjectReader;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each connector checks its own config with its schema
export type AnySinkConnector = SinkConnector<any, any>;
