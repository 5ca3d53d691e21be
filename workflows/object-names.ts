// Deterministic object names: <prefix><scope>-audit-logs-<fromSeq>-<toSeq>.jsonl
const ORG = '//captain.api.mondoo.app/organizations/';
const SPACE = '//captain.api.mondoo.app/spaces/';

/** `platform`, `org-<id>` or `space-<id>`, as the product documents the file names. */
export function scopeSlug(scopeMrn: string): string {
  if (scopeMrn.startsWith(ORG)) return `org-${scopeMrn.slice(ORG.length)}`;
  if (scopeMrn.startsWith(SPACE)) return `space-${scopeMrn.slice(SPACE.length)}`;
  return 'platform';
}

export function objectName(prefix: string, scopeMrn: string, fromSeq: number, toSeq: number): string {
  return `${prefix}${scopeSlug(scopeMrn)}-audit-logs-${fromSeq}-${toSeq}.jsonl`;
}

/** Google Cloud Storage's limit on an object name, in bytes of UTF-8. */
export const MAX_OBJECT_NAME_BYTES = 1024;

/** Bytes of UTF-8 (what the store counts), without Buffer: this module is part of the workflow bundle. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The longest object name an export to `prefix` can ever write: both sequence numbers at their largest. */
export function longestObjectName(prefix: string, scopeMrn: string): string {
  return objectName(prefix, scopeMrn, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}
