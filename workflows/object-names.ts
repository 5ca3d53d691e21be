// Deterministic object names: <prefix><scope slug>-audit-logs-<fromSeq>-<toSeq>.jsonl[.gz]. The slug is the
// source connector's, computed at creation (contracts/connector-config.ts: ConnectorFacts). A prefix may
// hold %Y %m %d %H (strftime, UTC, as Vector's), filled from the time of the object's first (earliest)
// event: the same events always give the same name, so a retried upload writes the same object.
export interface ObjectNameOptions {
  /** `gzip`: the object holds gzip bytes, so its name ends in `.gz`. Absent (older configs): `none`. */
  compression?: 'none' | 'gzip';
  /** RFC 3339 UTC time of the object's first event: fills the prefix's %Y %m %d %H. */
  firstEventAt?: string;
}

export function objectName(prefix: string, scopeSlug: string, fromSeq: number, toSeq: number, options: ObjectNameOptions = {}): string {
  const filled = options.firstEventAt === undefined ? prefix : expandPrefixTemplate(prefix, options.firstEventAt);
  return `${filled}${scopeSlug}-audit-logs-${fromSeq}-${toSeq}.jsonl${options.compression === 'gzip' ? '.gz' : ''}`;
}

/** The strftime specifiers a prefix may hold, each with its slice of an RFC 3339 UTC time (YYYY-MM-DDTHH…). */
const SPECIFIERS: Record<string, [number, number]> = { Y: [0, 4], m: [5, 7], d: [8, 10], H: [11, 13] };

/** Whether `prefix` is a template (holds a `%`); only then does the workflow need an event time. */
export const isPrefixTemplate = (prefix: string): boolean => prefix.includes('%');

/**
 * What is wrong with a prefix template, if anything: `%` may only start one of %Y %m %d %H (a literal `%`
 * cannot be written; a template that meant something else would silently name objects otherwise).
 */
export function prefixTemplateProblem(prefix: string): string | undefined {
  const bad = /%([^YmdH]|$)/.exec(prefix);
  if (!bad) return undefined;
  const what = bad[1] ? `"%${bad[1]}"` : 'a trailing "%"';
  return `prefix may use only %Y, %m, %d and %H (UTC date and hour of each file's first event), not ${what}`;
}

/** `prefix` with %Y %m %d %H filled from `isoTime` (RFC 3339 in UTC, as Date#toISOString writes it). */
export function expandPrefixTemplate(prefix: string, isoTime: string): string {
  if (!isPrefixTemplate(prefix)) return prefix;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}/.test(isoTime)) throw new Error(`not an RFC 3339 UTC time: "${isoTime.slice(0, 40)}"`);
  return prefix.replace(/%([YmdH])/g, (_, spec: string) => isoTime.slice(...SPECIFIERS[spec]!));
}

/** The manifest of the batch `fromSeq..toSeq` (issue 17): beside the data objects, in `<prefix>_manifests/`. */
export function manifestName(prefix: string, scopeSlug: string, fromSeq: number, toSeq: number): string {
  return `${prefix}_manifests/${scopeSlug}-manifest-${fromSeq}-${toSeq}.json`;
}

/** The part of a prefix before its first date field, up to its last "/" (`mondoo/%Y/%m/` → `mondoo/`): where what spans partitions goes. */
export function staticPrefixOf(prefix: string): string {
  const template = prefix.indexOf('%');
  if (template === -1) return prefix;
  return prefix.slice(0, prefix.lastIndexOf('/', template) + 1);
}

/** Bytes of UTF-8 (what the store counts), without Buffer: this module is part of the workflow bundle. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The longest object name an export to `prefix` can ever write: both sequence numbers at their largest, every date field filled. */
export function longestObjectName(prefix: string, scopeSlug: string, compression?: 'none' | 'gzip'): string {
  return objectName(prefix, scopeSlug, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, {
    compression,
    firstEventAt: isPrefixTemplate(prefix) ? '9999-12-31T23:00:00.000Z' : undefined,
  });
}
