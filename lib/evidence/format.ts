// The evidence format (issue 17), written by the upload activity and read by `verify`: one schema per
// shape. A manifest is a compact JWS (RS256, the OIDC signing key, `kid` in /.well-known/jwks.json)
// whose payload lists one batch's objects with their SHA-256 and chains to the manifest before it by the
// SHA-256 of that manifest's stored bytes.
import { z } from 'zod';

/** The JWS `typ` of a manifest, so no other token signed by the same key passes for one. */
export const MANIFEST_JWS_TYPE = 'auditflow-manifest+jws';
/** RFC 7515's media type of a compact JWS: the manifest object's content type. */
export const MANIFEST_CONTENT_TYPE = 'application/jose';
export const MANIFEST_FORMAT_VERSION = 1;

/**
 * Object metadata (GCS metadata, S3 `x-amz-meta-*`), lower-case with dashes as S3 returns them. A store
 * whose metadata names cannot hold a dash (Azure: C# identifiers) writes `_` for `-`; `verify` reads both.
 */
export const OBJECT_METADATA = {
  sha256: 'auditflow-sha256',
  events: 'auditflow-events',
  firstSeq: 'auditflow-first-seq',
  lastSeq: 'auditflow-last-seq',
  firstEventTime: 'auditflow-first-event-time',
  lastEventTime: 'auditflow-last-event-time',
  source: 'auditflow-source',
  scope: 'auditflow-scope',
  integrationId: 'auditflow-integration-id',
  version: 'auditflow-version',
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');
const seq = z.number().int().positive();

export const manifestRefSchema = z.strictObject({ name: z.string().min(1), sha256: sha256Hex });

export const manifestObjectSchema = z.strictObject({
  name: z.string().min(1),
  sha256: sha256Hex,
  bytes: z.number().int().nonnegative(),
  events: z.number().int().positive(),
  firstSeq: seq,
  lastSeq: seq,
  firstEventTime: z.string().optional(),
  lastEventTime: z.string().optional(),
});

export const manifestPayloadSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT_VERSION),
  /** AUDITFLOW_PUBLIC_URL of the exporter: where its JWKS is published (verify never trusts it for keys). */
  issuer: z.string(),
  integrationId: z.string().min(1),
  source: z.strictObject({ type: z.string(), scope: z.string(), scopeId: z.string() }),
  firstSeq: seq,
  lastSeq: seq,
  createdAt: z.iso.datetime(),
  /** Null: the integration's first manifest; its files before `firstSeq` predate the chain. */
  previous: manifestRefSchema.nullable(),
  objects: z.array(manifestObjectSchema).min(1),
  auditflowVersion: z.string(),
});

export type ManifestPayload = z.infer<typeof manifestPayloadSchema>;
export type ManifestObject = z.infer<typeof manifestObjectSchema>;

/** Data objects: `<prefix><scope>-audit-logs-<from>-<to>.jsonl` (workflows/object-names.ts). */
export const DATA_OBJECT = /^(?<dir>.*?)(?<scope>[^/]+)-audit-logs-(?<from>\d+)-(?<to>\d+)\.jsonl$/;
/** Manifests: `<prefix>_manifests/<scope>-manifest-<from>-<to>.json`. */
export const MANIFEST_OBJECT = /^(?<dir>.*?)_manifests\/(?<scope>[^/]+)-manifest-(?<from>\d+)-(?<to>\d+)\.json$/;

/** A manifest, not a data object: listings of data objects (tests, benchmarks) skip these. */
export const isManifestName = (name: string): boolean => MANIFEST_OBJECT.test(name);
