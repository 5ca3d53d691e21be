// The building block of every source's `filters`: an optional list of exact values, where an absent
// list matches everything and a record passes when it matches every list given (AND).
import { z } from 'zod';

export const MAX_FILTER_VALUES = 100;

/** One filter list of exact values: 1–100 distinct non-empty strings. */
export const filterListSchema = (field: string, description: string, example: string) =>
  z
    .array(z.string().min(1, `${field} must not contain an empty value`).max(1024, `${field} values are at most 1,024 characters`))
    .min(1, `${field} must list at least one value; omit it to match every record`)
    .max(MAX_FILTER_VALUES, `${field} may list at most ${MAX_FILTER_VALUES} values`)
    .refine((values) => new Set(values).size === values.length, `${field} lists a value twice`)
    .optional()
    .meta({ description: `${description} Absent: every record matches.`, example: [example] });

/** Whether `value` is allowed by `list` (absent: everything is). */
export const allows = (list: readonly string[] | undefined, value: string | null | undefined): boolean =>
  list === undefined || (value !== null && value !== undefined && list.includes(value));
