// Every shape the one-time exports API accepts or returns: one zod schema each, used to validate, to
// type (z.infer) and to document (api/openapi.ts). Source and destination are the integrations' shapes.
import { z } from 'zod';
import type { OneTimeExportStatus } from '../../workflows/one-time-export-definitions';
import { destinationViewSchema } from '../../activities/sinks/registry';
import { checkSourceFilters, sourceConnector, sourceViewSchema } from '../../activities/sources/registry';
import { checkPrefixRoom, createIntegrationSchema } from './integration';

const { name, source, destination, filters, lateArrivalSeconds } = createIntegrationSchema.shape;
const rfc3339 = (field: string) =>
  z.iso.datetime({ offset: true, error: `${field} must be an RFC 3339 time, e.g. 2026-07-01T00:00:00Z` }).transform(
    // One spelling (UTC, to the millisecond) in the workflow, the record and the fetch's bounds.
    (time) => new Date(Date.parse(time)).toISOString().replace('.000Z', 'Z'),
  );

export const createExportSchema = z
  .strictObject({
    name,
    source,
    destination,
    from: rfc3339('from').meta({ description: 'First instant exported (inclusive).', example: '2026-07-01T00:00:00Z' }),
    to: rfc3339('to').meta({ description: 'End of the range (exclusive), not in the future.', example: '2026-10-01T00:00:00Z' }),
    filters,
    lateArrivalSeconds,
  })
  .superRefine(({ source, destination, from, to, filters }, ctx) => {
    const now = Date.now();
    if (filters !== undefined) checkSourceFilters(source.type, filters, ctx);
    if (Date.parse(from) >= Date.parse(to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    if (Date.parse(to) > now) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be in the future: export up to now at the latest' });
    const { retentionDays } = sourceConnector(source.type);
    if (retentionDays !== undefined && Date.parse(from) < now - retentionDays * 86_400_000) {
      const oldest = new Date(now - retentionDays * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `from is older than the ${retentionDays} days of audit logs the ${source.type} source keeps online: use ${oldest} or later`,
      });
    }
    checkPrefixRoom(source, destination, ctx);
  })
  .meta({ title: 'CreateExport' });
export type CreateExport = z.output<typeof createExportSchema>;

export const oneTimeExportStatuses = ['running', 'completed', 'failed', 'cancelled'] as const satisfies readonly OneTimeExportStatus[];
const statusSchema = z.enum(oneTimeExportStatuses);

/** What the workflow memo holds: the export without its secrets and without its live status. */
export const exportRecordSchema = z.strictObject({
  id: z.uuid(),
  workflowId: z.string(),
  name: z.string(),
  source: sourceViewSchema,
  destination: destinationViewSchema,
  from: z.string(),
  to: z.string(),
  /** Only when given. */
  filters: z.record(z.string(), z.array(z.string())).optional(),
  lateArrivalSeconds: z.int().meta({ description: 'The late-arrival window it waits out past `to` before its last pass.' }),
  createdAt: z.iso.datetime(),
});
export type ExportRecord = z.output<typeof exportRecordSchema>;

export const exportSchema = exportRecordSchema
  .extend({
    status: statusSchema,
    startedAt: z.string(),
    finishedAt: z.string().optional().meta({ description: 'Once it completed, failed or was cancelled.' }),
  })
  .meta({ title: 'Export', description: 'A one-time export without its secrets.' });
export type Export = z.output<typeof exportSchema>;

export const exportDetailSchema = exportSchema
  .extend({
    progress: z.strictObject({ events: z.int(), files: z.int() }).meta({ description: 'Events and objects written so far.' }),
    watermark: z.string().nullable().optional().meta({ description: 'Every event of the range at or before it is in the bucket.' }),
    lastError: z.strictObject({ message: z.string(), at: z.string() }).optional(),
    retrying: z.strictObject({ attempt: z.int(), message: z.string(), since: z.string() }).optional(),
    lastPassAt: z.string().optional().meta({ description: 'While it waits out the late-arrival window: when its last pass starts.' }),
  })
  .meta({
    title: 'ExportDetail',
    description: 'The export and its progress (zero, without watermark, when no worker answered in time).',
  });
export type ExportDetail = z.output<typeof exportDetailSchema>;

export const exportListSchema = z
  .strictObject({
    exports: z.array(exportSchema),
    nextPageToken: z.string().optional().meta({ description: 'Present while more remain: pass it as pageToken.' }),
  })
  .meta({ title: 'ExportList' });

export const exportListQuerySchema = z.strictObject({
  status: statusSchema.optional().meta({ description: 'Only exports in this state.' }),
  limit: z.coerce
    .number({ error: 'limit must be a whole number from 1 to 100' })
    .int('limit must be a whole number from 1 to 100')
    .min(1, 'limit must be a whole number from 1 to 100')
    .max(100, 'limit must be a whole number from 1 to 100')
    .default(50),
  pageToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, 'pageToken must be a nextPageToken this API returned')
    .optional(),
});

export const exportCancelledSchema = z
  .strictObject({ id: z.uuid(), action: z.literal('cancel'), accepted: z.literal(true) })
  .meta({ title: 'ExportCancelAccepted', description: 'Temporal accepted the cancel; the export stops within moments (objects written stay).' });
export type ExportCancelAccepted = z.output<typeof exportCancelledSchema>;
