// The next run time of a calendar schedule: pure and deterministic (no clock, no I/O), so the workflow
// calls it with its own Date.now(). Time zones come from Intl (the ICU data Node ships, also inside
// the workflow sandbox): local wall-clock candidates are turned into instants, and the first one
// strictly after the given instant wins.
//
// Daylight-saving rules (the issue's, and what a person expects of "every night at 02:30"):
// - daily, weekly, monthly: a local time the clock skips runs at the first instant after the gap
//   (02:30 on a spring-forward night → 03:00 local); a local time the clock repeats runs once, at its
//   first occurrence.
// - hourly: every instant whose local minute is `minute`: an hour the clock skips has no run (the run
//   before and after it are one real hour apart), a repeated hour has two (also one hour apart).
import type { Schedule } from '../api/schemas/schedule';
import { WEEKDAYS } from '../contracts/weekdays';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Local wall-clock fields, as epoch ms of the same fields read as UTC ("wall ms"). */
type WallMs = number;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall clock at `instant` (whole seconds), as wall ms. */
function wallAt(instant: number, timeZone: string): WallMs {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
}

/** The zone's offset from UTC at `instant`, in ms (Berlin in summer: +7,200,000). */
const offsetAt = (instant: number, timeZone: string): number => wallAt(instant, timeZone) - Math.floor(instant / 1000) * 1000;

/**
 * Every instant at which the local clock shows `wall`: one, two (a repeated hour, earliest first) or
 * none (a skipped one). Zones change offset at most once within a day either side, which the offsets
 * a day before and after capture.
 */
function instantsOf(wall: WallMs, timeZone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY, timeZone)]);
  const instants = [...offsets].map((offset) => wall - offset).filter((instant) => offsetAt(instant, timeZone) === wall - instant);
  return [...new Set(instants)].sort((a, b) => a - b);
}

/** The first instant after the gap that swallowed `wall`: where the offset changes (found to the minute). */
function endOfGap(wall: WallMs, timeZone: string): number {
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  // wall - after is before the change (the gap is wall's, read with the later offset), wall - before after it.
  let low = wall - after;
  let high = wall - before;
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (offsetAt(middle, timeZone) === after) high = middle;
    else low = middle;
  }
  return high;
}

/** When a daily, weekly or monthly run at `wall` happens: its first occurrence, or the end of its gap. */
function runAt(wall: WallMs, timeZone: string): number {
  return instantsOf(wall, timeZone)[0] ?? endOfGap(wall, timeZone);
}

const startOfDay = (wall: WallMs): WallMs => Math.floor(wall / DAY) * DAY;
const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Local days from the day before `wall` on: enough that every frequency finds its next run among them. */
function* days(wall: WallMs, count: number): Generator<WallMs> {
  for (let i = -1; i < count; i++) yield startOfDay(wall) + i * DAY;
}

/** The day of the month that `dayOfMonth` means in the month of `date`: "last" is 28 to 31. */
function dayOfMonthIn(date: Date, dayOfMonth: number | 'last'): number {
  return dayOfMonth === 'last' ? new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate() : dayOfMonth;
}

/** The first run of `schedule` strictly after `after` (epoch ms), as epoch ms. */
export function nextScheduledRun(schedule: Schedule, after: number): number {
  const zone = schedule.timezone;
  const now = wallAt(after, zone);
  if (schedule.frequency === 'hourly') {
    // From the hour before (a repeated hour shows the same wall time twice) over two days of hours.
    const firstHour = Math.floor(now / HOUR) * HOUR - HOUR;
    for (let hour = firstHour; hour < firstHour + 50 * HOUR; hour += HOUR) {
      for (const instant of instantsOf(hour + schedule.minute * MINUTE, zone)) if (instant > after) return instant;
    }
  } else {
    const offset = minutesOf(schedule.time) * MINUTE;
    // Weekly needs up to 8 days; monthly up to two months.
    const span = schedule.frequency === 'daily' ? 3 : schedule.frequency === 'weekly' ? 9 : 63;
    for (const day of days(now, span)) {
      const date = new Date(day);
      if (schedule.frequency === 'weekly' && WEEKDAYS[date.getUTCDay()] !== schedule.dayOfWeek) continue;
      if (schedule.frequency === 'monthly' && date.getUTCDate() !== dayOfMonthIn(date, schedule.dayOfMonth)) continue;
      const instant = runAt(day + offset, zone);
      if (instant > after) return instant;
    }
  }
  throw new Error(`no run of ${JSON.stringify(schedule)} found after ${new Date(after).toISOString()}`);
}

/** nextScheduledRun as RFC 3339 (the workflow's `nextRunAt`). */
export const nextScheduledRunAt = (schedule: Schedule, after: number): string => new Date(nextScheduledRun(schedule, after)).toISOString();
