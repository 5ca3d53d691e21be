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
