// parseRfc3339ToEpochMs remembers the last second it parsed, so that a run of sub-second timestamps
// (Endor Labs' microseconds, Cloud Logging's nanoseconds) parses the fraction only. The answer must be
// what the strict parse gives, whatever came before: the same second in another zone, without a
// fraction, with a malformed tail.
import { describe, expect, it } from 'vitest';
import { InvalidTimestampError, parseRfc3339ToEpochMs } from '../../activities/ocsf/rfc3339';
import { mulberry32 } from '../../sandbox/faults';

/** The instant by Date.parse, on a fraction cut to milliseconds (Date.parse reads only three digits anyway). */
function expected(timestamp: string): number {
  const m = /^(.{19})(?:\.(\d+))?(.*)$/.exec(timestamp)!;
  return Date.parse(`${m[1]!.replace(/[t ]/, 'T')}.${(m[2] ?? '').slice(0, 3).padEnd(3, '0')}${m[3]!.toUpperCase()}`);
}

describe('parseRfc3339ToEpochMs', () => {
  it('agrees with a fresh parse on sequences that share seconds, zones and prefixes', () => {
    const rand = mulberry32(9);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
    const seconds = ['2024-11-13T15:30:45', '2024-11-13T15:30:46', '2024-11-13t15:30:45', '2024-02-29 23:59:59'];
    const zones = ['Z', 'z', '+00:00', '+05:30', '-08:00'];
    const fractions = ['', '.1', '.12', '.123', '.123456', '.123456789', '.9999999', '.000'];
    for (let i = 0; i < 20_000; i++) {
      const timestamp = `${pick(seconds)}${pick(fractions)}${pick(zones)}`;
      expect(parseRfc3339ToEpochMs(timestamp), timestamp).toBe(expected(timestamp));
    }
  });

  it('still refuses what is not RFC 3339 right after a second it parsed', () => {
    expect(parseRfc3339ToEpochMs('2024-11-13T15:30:45.123456Z')).toBe(Date.parse('2024-11-13T15:30:45.123Z'));
    for (const bad of [
      '2024-11-13T15:30:45.Z',
      '2024-11-13T15:30:45.12x4Z',
      '2024-11-13T15:30:45.123',
      '2024-11-13T15:30:45.123Zjunk',
      '2024-11-13T15:30:45.1+25:00',
    ]) {
      expect(() => parseRfc3339ToEpochMs(bad), bad).toThrow(InvalidTimestampError);
      expect(parseRfc3339ToEpochMs('2024-11-13T15:30:45.5Z')).toBe(Date.parse('2024-11-13T15:30:45.500Z'));
    }
  });
});
