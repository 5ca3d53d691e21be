// Strict RFC 3339 parsing to epoch milliseconds. Date.parse is deliberately avoided: it accepts many
// non-RFC shapes (and engine-specific ones), and a silently misread audit time is worse than an error.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export class InvalidTimestampError extends Error {
  constructor(readonly timestamp: string) {
    super(`not an RFC 3339 timestamp: ${JSON.stringify(timestamp.length > 80 ? `${timestamp.slice(0, 77)}...` : timestamp)}`);
    this.name = 'InvalidTimestampError';
  }
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (year: number, month: number) => (month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));

/**
 * "2024-03-22T17:46:03Z" -> 1711129563000. Fractions beyond milliseconds are truncated; a leap
 * second (:60) counts as the first second of the next minute. Throws InvalidTimestampError otherwise.
 */
export function parseRfc3339ToEpochMs(timestamp: string): number {
  // Audit logs come in time order, often several events to a second: remember the last answers, and
  // their seconds, since sources with sub-second times (Endor Labs, Cloud Logging) rarely repeat one.
  // Two of them: a Cloud Logging entry has two times (timestamp, receiveTimestamp) parsed in turn.
  for (const slot of recent) {
    if (timestamp === slot.timestamp) return slot.epochMs;
    const millis = millisWithinSecond(timestamp, slot.secondText, slot.zone);
    if (millis !== undefined) return remember(slot, timestamp, slot.secondMs + millis);
  }
  // The slot used less recently takes the new second.
  const slot = recent[1]!;
  recent.reverse();
  return remember(slot, timestamp, parse(timestamp));
}

interface Remembered {
  timestamp: string;
  epochMs: number;
  secondText: string;
  zone: string;
  secondMs: number;
}

const recent: Remembered[] = [
  { timestamp: '', epochMs: 0, secondText: '', zone: '', secondMs: 0 },
  { timestamp: '', epochMs: 0, secondText: '', zone: '', secondMs: 0 },
];

function remember(slot: Remembered, timestamp: string, epochMs: number): number {
  Object.assign(slot, { timestamp, epochMs, ...secondOf(timestamp, epochMs) });
  return epochMs;
}

const DOT = 46;
const isDigit = (code: number) => code >= 48 && code <= 57;

/** Length of the run of digits at `from` (the fraction). */
function digitsAt(text: string, from: number): number {
  let end = from;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end - from;
}

/**
 * The milliseconds past the second when `timestamp` is `<secondText>.<digits><zone>` of a second parsed
 * before (so the strict parse would accept it and agree on the second); undefined otherwise.
 */
function millisWithinSecond(timestamp: string, secondText: string, zone: string): number | undefined {
  if (secondText === '' || timestamp.charCodeAt(19) !== DOT || !timestamp.startsWith(secondText)) return undefined;
  const digits = digitsAt(timestamp, 20);
  if (digits === 0 || timestamp.length !== 20 + digits + zone.length || !timestamp.endsWith(zone)) return undefined;
  return Number(timestamp.slice(20, 20 + Math.min(digits, 3)).padEnd(3, '0'));
}

/** The parts of an accepted timestamp that fix its second: the text up to the fraction, the zone, the second's epoch ms. */
function secondOf(timestamp: string, epochMs: number): { secondText: string; zone: string; secondMs: number } {
  const digits = timestamp.charCodeAt(19) === DOT ? digitsAt(timestamp, 20) : 0;
  const fractionEnd = digits === 0 ? 19 : 20 + digits;
  const millis = digits === 0 ? 0 : Number(timestamp.slice(20, 20 + Math.min(digits, 3)).padEnd(3, '0'));
  return { secondText: timestamp.slice(0, 19), zone: timestamp.slice(fractionEnd), secondMs: epochMs - millis };
}

function parse(timestamp: string): number {
  const match = RFC3339.exec(timestamp);
  if (!match) throw new InvalidTimestampError(timestamp);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const sign = match[9] === '-' ? -1 : 1;
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) throw new InvalidTimestampError(timestamp);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, month - 1, day);
  const utc = midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}
