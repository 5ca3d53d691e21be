// The calendar arithmetic of schedules: DST gaps and repeats in Europe/Berlin and America/New_York,
// month ends, "last", leap years. Every expectation is an instant written out by hand.
import { describe, expect, it } from 'vitest';
import { scheduleSchema, type Schedule } from '../../api/schemas/schedule';
import { nextScheduledRun, nextScheduledRunAt } from '../../workflows/schedule';

const schedule = (input: Record<string, unknown>): Schedule => scheduleSchema.parse(input);
const next = (s: Schedule, after: string) => nextScheduledRunAt(s, Date.parse(after));
/** `count` runs in a row, each the next after the one before. */
function sequence(s: Schedule, after: string, count: number): string[] {
  const runs: string[] = [];
  let at = Date.parse(after);
  for (let i = 0; i < count; i++) {
    at = nextScheduledRun(s, at);
    runs.push(new Date(at).toISOString());
  }
  return runs;
}

describe('daily', () => {
  it('runs at the local time, later the same day or the next day', () => {
    const s = schedule({ frequency: 'daily', time: '02:30' });
    expect(s.timezone).toBe('UTC');
    expect(next(s, '2026-05-01T01:00:00Z')).toBe('2026-05-01T02:30:00.000Z');
    expect(next(s, '2026-05-01T02:30:00Z')).toBe('2026-05-02T02:30:00.000Z'); // strictly after
    expect(next(s, '2026-05-01T23:59:59Z')).toBe('2026-05-02T02:30:00.000Z');
  });

  it('Europe/Berlin spring forward: 02:30 does not exist on 29 March 2026, the run is at 03:00 local', () => {
    const s = schedule({ frequency: 'daily', time: '02:30', timezone: 'Europe/Berlin' });
    expect(sequence(s, '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET (+1)
      '2026-03-29T01:00:00.000Z', // the gap 02:00–03:00: 03:00 CEST, the first minute after it
      '2026-03-30T00:30:00.000Z', // 02:30 CEST (+2)
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back: 02:30 happens twice on 25 October 2026, the run is once, at the first', () => {
    const s = schedule({ frequency: 'daily', time: '02:30', timezone: 'Europe/Berlin' });
    expect(sequence(s, '2026-10-23T12:00:00Z', 4)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); not 01:30Z, the second (CET)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    // Asked between the two occurrences, the next run is the next day's: the repeat is not a second run.
    expect(next(s, '2026-10-25T01:00:00Z')).toBe('2026-10-26T01:30:00.000Z');
  });

  it('America/New_York: 02:30 skipped on 8 March 2026 (→ 03:00 EDT); on 1 November only 01:00–02:00 repeats', () => {
    const s = schedule({ frequency: 'daily', time: '02:30', timezone: 'America/New_York' });
    expect(sequence(s, '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST (-5)
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (-4)
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(sequence(s, '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T06:30:00.000Z', // 02:30 EDT
      '2026-11-01T07:30:00.000Z', // 02:30 EST: the clock went from 02:00 EDT back to 01:00, 02:30 comes once
      '2026-11-02T07:30:00.000Z', // 02:30 EST
    ]);
  });

  it('a time outside the change is untouched by it: 01:30 in New York on the fall-back day is its first occurrence', () => {
    // 01:00–02:00 is the hour New York repeats.
    const s = schedule({ frequency: 'daily', time: '01:30', timezone: 'America/New_York' });
    expect(next(s, '2026-11-01T00:00:00Z')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(next(s, '2026-11-01T05:30:00Z')).toBe('2026-11-02T06:30:00.000Z'); // not 06:30Z the same day (01:30 EST)
  });
});

describe('hourly', () => {
  it('runs at the minute of every hour', () => {
    const s = schedule({ frequency: 'hourly', minute: 15 });
    expect(sequence(s, '2026-05-01T10:15:00Z', 3)).toEqual(['2026-05-01T11:15:00.000Z', '2026-05-01T12:15:00.000Z', '2026-05-01T13:15:00.000Z']);
  });

  it('across both Berlin changes: an hour apart in real time, the skipped hour has no run, the repeated one two', () => {
    const s = schedule({ frequency: 'hourly', minute: 15, timezone: 'Europe/Berlin' });
    expect(sequence(s, '2026-03-29T00:00:00Z', 3)).toEqual(['2026-03-29T00:15:00.000Z', '2026-03-29T01:15:00.000Z', '2026-03-29T02:15:00.000Z']);
    expect(sequence(s, '2026-10-25T00:00:00Z', 3)).toEqual(['2026-10-25T00:15:00.000Z', '2026-10-25T01:15:00.000Z', '2026-10-25T02:15:00.000Z']);
  });

  it('in a half-hour zone (Asia/Kolkata, +05:30) the local minute is kept', () => {
    const s = schedule({ frequency: 'hourly', minute: 0, timezone: 'Asia/Kolkata' });
    expect(next(s, '2026-05-01T10:00:00Z')).toBe('2026-05-01T10:30:00.000Z');
  });
});

describe('weekly', () => {
  it('runs on its weekday at the local time', () => {
    const s = schedule({ frequency: 'weekly', time: '06:00', dayOfWeek: 'monday', timezone: 'Europe/Berlin' });
    // Wednesday 2026-03-25 → Monday 2026-03-30, the first Monday of summer time.
    expect(sequence(s, '2026-03-25T12:00:00Z', 2)).toEqual(['2026-03-30T04:00:00.000Z', '2026-04-06T04:00:00.000Z']);
    // On the Monday itself before 06:00 local: that same day.
    expect(next(s, '2026-03-30T03:59:00Z')).toBe('2026-03-30T04:00:00.000Z');
  });

  it('a Sunday 02:30 in Berlin on the spring-forward Sunday runs at 03:00 local', () => {
    const s = schedule({ frequency: 'weekly', time: '02:30', dayOfWeek: 'sunday', timezone: 'Europe/Berlin' });
    expect(sequence(s, '2026-03-23T00:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-04-05T00:30:00.000Z']);
  });
});

describe('monthly', () => {
  it('day 28 in every month, February of a common year included', () => {
    const s = schedule({ frequency: 'monthly', time: '00:00', dayOfMonth: 28 });
    expect(sequence(s, '2027-01-15T00:00:00Z', 3)).toEqual(['2027-01-28T00:00:00.000Z', '2027-02-28T00:00:00.000Z', '2027-03-28T00:00:00.000Z']);
  });

  it('"last" is 31, 30, 29 in a leap February, 28 in a common one', () => {
    const s = schedule({ frequency: 'monthly', time: '23:30', dayOfMonth: 'last' });
    expect(sequence(s, '2027-12-01T00:00:00Z', 4)).toEqual([
      '2027-12-31T23:30:00.000Z',
      '2028-01-31T23:30:00.000Z',
      '2028-02-29T23:30:00.000Z', // 2028 is a leap year
      '2028-03-31T23:30:00.000Z',
    ]);
    expect(sequence(s, '2100-02-01T00:00:00Z', 1)).toEqual(['2100-02-28T23:30:00.000Z']); // 2100 is not (century rule)
    expect(sequence(s, '2000-02-01T00:00:00Z', 1)).toEqual(['2000-02-29T23:30:00.000Z']); // 2000 is (400 rule)
    expect(sequence(s, '2026-04-01T00:00:00Z', 1)).toEqual(['2026-04-30T23:30:00.000Z']);
  });

  it('"last" local day in New York crosses into the next UTC day and month', () => {
    const s = schedule({ frequency: 'monthly', time: '22:00', dayOfMonth: 'last', timezone: 'America/New_York' });
    // 31 October 22:00 EDT is 1 November 02:00Z; the next is 30 November 22:00 EST = 1 December 03:00Z.
    expect(sequence(s, '2026-10-15T00:00:00Z', 2)).toEqual(['2026-11-01T02:00:00.000Z', '2026-12-01T03:00:00.000Z']);
  });

  it('asked on the run day after its time: next month', () => {
    const s = schedule({ frequency: 'monthly', time: '02:30', dayOfMonth: 1, timezone: 'Europe/Berlin' });
    expect(next(s, '2026-04-01T00:30:00Z')).toBe('2026-05-01T00:30:00.000Z');
    expect(next(s, '2026-04-01T00:29:59Z')).toBe('2026-04-01T00:30:00.000Z');
  });
});

describe('schema', () => {
  const issues = (input: unknown) => scheduleSchema.safeParse(input).error?.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));

  it('refuses a field the frequency does not use, naming it', () => {
    expect(scheduleSchema.safeParse({ frequency: 'daily', time: '02:30', minute: 5 }).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['minute'],
    });
    expect(scheduleSchema.safeParse({ frequency: 'hourly', minute: 5, time: '02:30' }).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['time'],
    });
    expect(scheduleSchema.safeParse({ frequency: 'weekly', time: '02:30', dayOfWeek: 'monday', dayOfMonth: 1 }).error?.issues[0]).toMatchObject({
      keys: ['dayOfMonth'],
    });
  });

  it('refuses bad values with the field as path', () => {
    expect(issues({ frequency: 'daily', time: '24:00' })).toEqual([{ path: 'time', code: 'invalid_format' }]);
    expect(issues({ frequency: 'daily', time: '2:30' })).toEqual([{ path: 'time', code: 'invalid_format' }]);
    expect(issues({ frequency: 'hourly', minute: 60 })?.[0]?.path).toBe('minute');
    expect(issues({ frequency: 'monthly', time: '02:30', dayOfMonth: 29 })?.[0]?.path).toBe('dayOfMonth');
    expect(issues({ frequency: 'weekly', time: '02:30', dayOfWeek: 'Mon' })?.[0]?.path).toBe('dayOfWeek');
    expect(issues({ frequency: 'daily', time: '02:30', timezone: 'Mars/Olympus' })?.[0]?.path).toBe('timezone');
    expect(issues({ frequency: 'daily', time: '02:30', timezone: '+01:00' })?.[0]?.path).toBe('timezone');
    expect(issues({ frequency: 'yearly', time: '02:30' })?.[0]?.path).toBe('frequency');
  });
});
