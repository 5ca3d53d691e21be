// The calendar schedule an integration may take instead of `intervalMinutes`: one zod schema, used to
// validate, to type the workflow input (workflows/schedule.ts computes its run times) and to document.
import { z } from 'zod';
import { WEEKDAYS } from '../../contracts/weekdays';

/**
 * An IANA zone the runtime knows (`Europe/Berlin`, `UTC`). Offsets such as `+01:00` are refused: they
 * have no daylight-saving rules, so a schedule in them would drift from the local clock it meant.
 */
export const timezoneSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, 'timezone must be an IANA time zone such as Europe/Berlin or UTC')
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'timezone is not a time zone this service knows (IANA names such as Europe/Berlin, America/New_York, UTC)')
  .default('UTC')
  .meta({ description: 'IANA time zone of `time` and `minute`; default UTC. Daylight-saving changes are followed.', example: 'Europe/Berlin' });

const time = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM on a 24-hour clock, e.g. 02:30')
  .meta({ description: 'Local time of day (HH:MM, 24-hour clock) in `timezone`.', example: '02:30' });

const base = { timezone: timezoneSchema };

/** Each frequency its own strict object: a field it does not use is a 400 naming that field. */
export const scheduleSchema = z
  .discriminatedUnion('frequency', [
    z.strictObject({
      frequency: z.literal('hourly'),
      minute: z
        .int({ error: 'minute must be a whole number from 0 to 59' })
        .min(0, 'minute must be from 0 to 59')
        .max(59, 'minute must be from 0 to 59')
        .meta({ description: 'Minute of every hour (local; an hour skipped by a daylight-saving change has no run, a repeated one has two).' }),
      ...base,
    }),
    z.strictObject({ frequency: z.literal('daily'), time, ...base }),
    z.strictObject({
      frequency: z.literal('weekly'),
      time,
      dayOfWeek: z.enum(WEEKDAYS, { error: `dayOfWeek must be one of ${WEEKDAYS.join(', ')}` }),
      ...base,
    }),
    z.strictObject({
      frequency: z.literal('monthly'),
      time,
      dayOfMonth: z
        .union([z.int().min(1).max(28), z.literal('last')], { error: 'dayOfMonth must be a day from 1 to 28, or "last"' })
        .meta({ description: 'Day of the month, 1–28 (every month has it) or "last".' }),
      ...base,
    }),
  ])
  .meta({
    title: 'Schedule',
    description:
      'Runs at calendar times in a time zone instead of every `intervalMinutes`. The first run is at creation; later ones at the next calendar time after a run ends. ' +
      'A local time skipped by a daylight-saving change runs at the first minute after the gap (02:30 → 03:00); a repeated one runs once, at its first occurrence.',
  });
export type Schedule = z.output<typeof scheduleSchema>;
