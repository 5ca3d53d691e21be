// What the workflow hands the upload so that it writes the evidence an auditor checks with `verify`
// (issue 17): each object's integrity metadata and the batch's signed manifest, chained to the previous
// manifest. Absent in uploads recorded before the chain (patch `evidence-chain`, workflows/patches.ts).

/** A manifest object as stored: its name and the SHA-256 (hex) of its bytes. */
export interface ManifestRef {
  name: string;
  sha256: string;
}

export interface UploadEvidence {
  integrationId: string;
  /** The source connector's type, e.g. `mondoo`. */
  sourceType: string;
  /** ConnectorFacts.scopeSlug, as in the object names. */
  scopeSlug: string;
  /** ConnectorFacts.scopeId: the scope as a person knows it. */
  scopeId: string;
  /** The sequence number of the batch's first event; the objects follow in order. */
  firstSeq: number;
  /** `<prefix>_manifests/<scope>-manifest-<from>-<to>.json` (workflows/object-names.ts). */
  manifestName: string;
  /** The manifest before this one; null for an integration's first (files before it predate the chain). */
  previous: ManifestRef | null;
  /** The workflow's time of the batch: in the manifest, so that a retried write signs the same bytes. */
  createdAt: string;
}
