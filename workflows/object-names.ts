// Deterministic object names: <prefix><scope slug>-audit-logs-<fromSeq>-<toSeq>.jsonl. The slug is the
// source connector's, computed at creation (contracts/connector-config.ts: ConnectorFacts).
export function objectName(prefix: string, scopeSlug: string, fromSeq: number, toSeq: number): string {
  return `${prefix}${scopeSlug}-audit-logs-${fromSeq}-${toSeq}.jsonl`;
}

/** The manifest of the batch `fromSeq..toSeq` (issue 17): beside the data objects, in `<prefix>_manifests/`. */
export function manifestName(prefix: string, scopeSlug: string, fromSeq: number, toSeq: number): string {
  return `${prefix}_manifests/${scopeSlug}-manifest-${fromSeq}-${toSeq}.json`;
}

/** Bytes of UTF-8 (what the store counts), without Buffer: this module is part of the workflow bundle. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The longest object name an export to `prefix` can ever write: both sequence numbers at their largest. */
export function longestObjectName(prefix: string, scopeSlug: string): string {
  return objectName(prefix, scopeSlug, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}
