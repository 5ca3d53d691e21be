// The Logging query a pass sends: the selected audit logs, a timestamp window and the user's own query.
// The window is what the exactly-once argument rests on, so the user's query can only narrow it.
import { auditLogId, auditLogName, type AuditLogType } from './types';

/** Longest user filter we accept: ours stays far below the API's 20,000 characters whatever is selected. */
export const MAX_USER_FILTER_CHARS = 4_000;

/** A pass reads `from <= timestamp < until` (RFC 3339); `from` null: everything the source still holds. */
export interface PassRange {
  from: string | null;
  until: string;
}

/** The earliest time a pass asks for when it has no lower bound: Cloud Logging keeps at most 3,650 days. */
export const BEGINNING_OF_TIME = '1970-01-01T00:00:00Z';

/**
 * `(log_id("cloudaudit.googleapis.com/activity") OR …) AND timestamp>="…" AND timestamp<"…" AND (<user>)`.
 * `log_id()` selects the log in every resource of `resourceNames` with one term per log type, so the
 * query has the same short length for 1 or 100 resources (a `logName="…"` term per resource and type
 * would pass the 20,000-character limit at about 80 resources).
 */
export function passFilter(logTypes: readonly AuditLogType[], range: PassRange, userFilter?: string): string {
  const logs = logTypes.map((type) => `log_id(${quote(auditLogId(type))})`).join(' OR ');
  const clauses = [`(${logs})`, `timestamp>=${quote(range.from ?? BEGINNING_OF_TIME)}`, `timestamp<${quote(range.until)}`];
  const user = userFilter?.trim();
  if (user) clauses.push(`(${user})`);
  return clauses.join(' AND ');
}

const quote = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/**
 * Why a user filter cannot be ANDed to ours, or undefined. It is wrapped in parentheses, so its own
 * must balance (outside string literals): `a) OR (b` would otherwise widen the query past the window.
 */
export function userFilterProblem(filter: string): string | undefined {
  if (filter.length > MAX_USER_FILTER_CHARS) return `filter must be at most ${MAX_USER_FILTER_CHARS} characters`;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return 'filter has a ")" without its "("';
  }
  if (inString) return 'filter has a string without its closing quote';
  if (depth !== 0) return 'filter has a "(" without its ")"';
  return undefined;
}

/** Whether an entry belongs to the pass: a selected audit log of a selected resource, inside the window. */
export function inPass(
  entry: { logName: string; timestamp: string },
  resourceNames: readonly string[],
  logTypes: readonly AuditLogType[],
  range: PassRange,
): boolean {
  const time = timestampKey(entry.timestamp);
  if (time === undefined) return false;
  if (range.from !== null && time < timestampKey(range.from)!) return false;
  if (time >= timestampKey(range.until)!) return false;
  return resourceNames.some((resource) => logTypes.some((type) => entry.logName === auditLogName(resource, type)));
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time as a string that sorts like the instant, to the nanosecond:
 * `2026-01-01T00:00:00.123Z` → `2026-01-01T00:00:00.123000000Z`. Undefined if it is not one.
 */
export function timestampKey(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${(m[3] ?? '').padEnd(9, '0')}Z`;
}

/** The second after a watermark: the position model's watermark covers its whole second. */
export function secondAfter(watermark: string): string {
  const ms = Date.parse(watermark);
  return new Date((Math.floor(ms / 1000) + 1) * 1000).toISOString().replace('.000Z', 'Z');
}
