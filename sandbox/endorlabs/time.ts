// Endor Labs writes create_time as RFC 3339 in UTC with microseconds (2024-11-13T15:30:45.123456Z); the
// fake keeps times as epoch microseconds (exact in a double until the year 2255).

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch microseconds of an RFC 3339 time (fractions past microseconds are truncated); undefined if it is not one. */
export function parseMicros(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number((m[3] ?? '').slice(0, 6).padEnd(6, '0'));
}

export function formatMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros - seconds * 1_000_000).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace('.000Z', `.${fraction}Z`);
}

/** Epoch milliseconds from a number (ms), a Date or an RFC 3339 string. */
export function toEpochMs(value: number | Date | string): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const micros = parseMicros(value);
  if (micros === undefined) throw new Error(`not an RFC 3339 time: ${value}`);
  return Math.floor(micros / 1000);
}
