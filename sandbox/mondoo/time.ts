/** Mondoo's timestamp format: RFC 3339, UTC, whole seconds (`2024-03-22T17:46:03Z`). */
export function formatTimestamp(epochSeconds: number): string {
  // Consecutive events mostly share a second: a one-entry cache saves most Date formatting.
  if (epochSeconds !== lastSeconds) {
    lastSeconds = epochSeconds;
    lastText = new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastText;
}
let lastSeconds = Number.NaN;
let lastText = '';

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp (any offset, optional fraction) to epoch seconds, truncated to the
 * second like the real API compares. Undefined if it is not RFC 3339.
 */
export function parseTimestampSeconds(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  // The fraction is dropped before parsing: offsets are whole minutes, so it never changes the second.
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Epoch milliseconds from the forms tests find convenient: a number (ms), a Date or an RFC 3339 string. */
export function toEpochMs(value: number | Date | string): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${value}`);
  return ms;
}
