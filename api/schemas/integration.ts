// Every shape the integrations API accepts or returns: one zod schema each, used to validate, to type
// (z.infer) and to document (api/openapi.ts).
import { z } from 'zod';
import type { ExportStatus, ExportStatusView } from '../../workflows/definitions';
import { longestObjectName, utf8Bytes } from '../../workflows/object-names';
import { safeText } from './common';
import { scheduleSchema } from './schedule';
import { destinationConfigSchema, destinationViewSchema, sinkConnector } from '../../activities/sinks/registry';
import { checkSourceFilters, sourceConfigSchema, sourceFiltersSchema, sourceTypes, sourceViewSchema, sourceConnector } from '../../activities/sources/registry';

export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;
export const DEFAULT_INTERVAL_MINUTES = 60;

/** Why a backfill start cannot be honoured, if it cannot: in the future, or past what the source still holds. */
function backfillProblem(fromMs: number, sourceType: string, retentionDays: number | undefined): string | undefined {
  const now = Date.now();
  if (fromMs > now) return 'backfillFrom must be in the past';
  if (retentionDays !== undefined && fromMs < now - retentionDays * 86_400_000) {
    const oldest = new Date(now - retentionDays * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    return `backfillFrom is older than the ${retentionDays} days of audit logs the ${sourceType} source keeps online (older ones are in its archive, which auditflow does not read): use ${oldest} or later`;
  }
  return undefined;
}

/** The store counts bytes of the whole name, so the prefix's room depends on the scope's file names. */
export function checkPrefixRoom(
  source: z.output<typeof sourceConfigSchema>,
  destination: z.output<typeof destinationConfigSchema>,
  ctx: z.core.$RefinementCtx<unknown>,
): void {
  const connector = sourceConnector(source.type);
  const { scopeSlug } = connector.scope(connector.view(source));
  const { maxObjectNameBytes, storeName } = sinkConnector(destination.type);
  const longest = utf8Bytes(longestObjectName(destination.prefix, scopeSlug, destination.compression));
  if (longest > maxObjectNameBytes) {
    ctx.addIssue({
      code: 'custom',
      path: ['destination', 'prefix'],
      message: `prefix is too long: with the file names of this scope, object names would reach ${longest} bytes of UTF-8, over ${storeName}'s ${maxObjectNameBytes}`,
    });
  }
}

export const createIntegrationSchema = z
  .strictObject({
    name: z
      .string()
      .min(1, 'name must not be empty')
      .max(200, 'name must be at most 200 characters')
      .refine((name) => /\S/.test(name), 'name must not be blank')
      .superRefine(safeText('name'))
      .meta({ example: 'Audit Log Export to GCS' }),
    source: sourceConfigSchema,
    destination: destinationConfigSchema,
    intervalMinutes: z
      .int({ error: 'intervalMinutes must be a whole number of minutes' })
      .min(MIN_INTERVAL_MINUTES, `intervalMinutes must be at least ${MIN_INTERVAL_MINUTES}`)
      .max(MAX_INTERVAL_MINUTES, `intervalMinutes must be at most ${MAX_INTERVAL_MINUTES} (one week)`)
      .optional()
      .meta({
        default: DEFAULT_INTERVAL_MINUTES,
        description: `Minutes between exports; ${DEFAULT_INTERVAL_MINUTES} when neither it nor \`schedule\` is given (not both). Fixed at creation.`,
      }),
    schedule: scheduleSchema.optional(),
    filters: sourceFiltersSchema.optional(),
    includeHistorical: z
      .boolean({ error: 'includeHistorical must be true or false' })
      .default(false)
      .meta({ description: 'Export the whole existing audit log first; otherwise start at creation.' }),
    backfillFrom: z.iso
      .datetime({ offset: true, error: 'backfillFrom must be an RFC 3339 time, e.g. 2026-01-01T00:00:00Z' })
      .optional()
      .meta({ description: 'The first run exports from this time on (in the past; wins over includeHistorical).', example: '2026-01-01T00:00:00Z' }),
    lateArrivalSeconds: z
      .int({ error: 'lateArrivalSeconds must be a whole number of seconds' })
      .min(60, 'lateArrivalSeconds must be at least 60')
      .max(3600, 'lateArrivalSeconds must be at most 3600 (one hour)')
      .optional()
      .meta({
        description:
          "How late an event may appear at the source after its time; default the source's own (Mondoo 6 min, Endor Labs 2 min, Cloud Audit Logs 10 min).",
      }),
  })
  .superRefine(({ source, destination, backfillFrom, intervalMinutes, schedule, filters }, ctx) => {
    if (intervalMinutes !== undefined && schedule !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'give either intervalMinutes or schedule, not both' });
    }
    if (filters !== undefined) checkSourceFilters(source.type, filters, ctx);
    const connector = sourceConnector(source.type);
    if (backfillFrom !== undefined) {
      const problem = backfillProblem(Date.parse(backfillFrom), source.type, connector.retentionDays);
      if (problem) ctx.addIssue({ code: 'custom', path: ['backfillFrom'], message: problem });
    }
    checkPrefixRoom(source, destination, ctx);
  })
  .meta({ title: 'CreateIntegration' });
export type CreateIntegration = z.output<typeof createIntegrationSchema>;

export const exportStatuses = ['active', 'paused', 'error', 'deleted'] as const satisfies readonly ExportStatus[];
export const exportStatusSchema = z.enum(exportStatuses);

/** What the workflow memo holds: the integration without its secrets and without its live status. */
export const integrationRecordSchema = z.strictObject({
  id: z.uuid(),
  workflowId: z.string(),
  name: z.string(),
  source: sourceViewSchema,
  destination: destinationViewSchema,
  /** Absent when the integration runs on a `schedule`. */
  intervalMinutes: z.int().optional(),
  schedule: scheduleSchema.optional(),
  /** Only when given at creation. */
  filters: z.record(z.string(), z.array(z.string())).optional(),
  includeHistorical: z.boolean(),
  /** Only when given at creation (records from before have neither). */
  backfillFrom: z.string().optional(),
  lateArrivalSeconds: z.int().optional(),
  createdAt: z.iso.datetime(),
});
export type IntegrationRecord = z.output<typeof integrationRecordSchema>;

export const integrationSchema = integrationRecordSchema
  .extend({ status: exportStatusSchema })
  .meta({ title: 'Integration', description: 'An integration without its secrets.' });
export type Integration = z.output<typeof integrationSchema>;

const runSummarySchema = z.strictObject({
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  events: z.int(),
  files: z.int(),
  outcome: z.enum(['completed', 'failed', 'paused', 'deleted']).optional(),
});

/** GET /v1/integrations/:id: the integration plus the workflow's `status` query. */
export const integrationDetailSchema = integrationSchema
  .extend({
    lastError: z.strictObject({ message: z.string(), at: z.string() }).optional(),
    retrying: z.strictObject({ attempt: z.int(), message: z.string(), since: z.string() }).optional().meta({
      description:
        'While the current run retries a failing activity: the attempt that failed last, its error, and since when it fails. Gone once it succeeds again.',
    }),
    lastRun: runSummarySchema.optional(),
    nextRunAt: z.string().optional().meta({ description: 'Absent while paused or deleted.' }),
    watermark: z.string().nullable().optional().meta({ description: 'Every event at or before it is in the bucket.' }),
    totals: z.strictObject({ events: z.int(), files: z.int() }).optional(),
  })
  .meta({
    title: 'IntegrationDetail',
    description: "The integration and the workflow's status. The status fields are absent when no worker answered the status query in time.",
  });
export type IntegrationDetail = z.output<typeof integrationDetailSchema>;

/** The fields of the status query that the API passes on (a compile error here means the two drifted). */
export function statusDetail(view: ExportStatusView): Omit<IntegrationDetail, keyof Integration> & { status: ExportStatus } {
  const { status, lastError, retrying, lastRun, nextRunAt, watermark, totals } = view;
  return { status, lastError, retrying, lastRun, nextRunAt, watermark, totals };
}

export const integrationListSchema = z
  .strictObject({
    integrations: z.array(integrationSchema),
    nextPageToken: z.string().optional().meta({ description: 'Present while more integrations follow: pass it as `pageToken` for the next page.' }),
  })
  .meta({ title: 'IntegrationList' });
export type IntegrationList = z.output<typeof integrationListSchema>;

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** Where a page ends in the list's order (newest first, then by id): the next page starts after it. */
export interface ListCursor {
  createdAt: string;
  id: string;
}
export const encodeListCursor = ({ createdAt, id }: ListCursor): string => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);
function decodeListCursor(token: string): ListCursor | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? { createdAt: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

const limitMessage = `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`;
/** GET /v1/integrations's query: every value arrives as a string. */
export const listQuerySchema = z.strictObject({
  status: exportStatusSchema.optional().meta({ description: 'Only integrations in this state.' }),
  sourceType: z
    .enum(sourceTypes, { error: `sourceType must be one of ${sourceTypes.join(', ')}` })
    .optional()
    .meta({ description: 'Only integrations reading this kind of source.' }),
  limit: z.coerce
    .number({ error: limitMessage })
    .int({ error: limitMessage })
    .min(1, limitMessage)
    .max(MAX_LIST_LIMIT, limitMessage)
    .default(DEFAULT_LIST_LIMIT)
    .meta({ description: `Integrations per page, 1–${MAX_LIST_LIMIT}.` }),
  pageToken: z
    .string()
    .max(512, 'pageToken is not a token this API issued')
    .transform((token, ctx) => {
      const cursor = decodeListCursor(token);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'pageToken is not a token this API issued; send the nextPageToken of the previous page' });
      return cursor ?? z.NEVER;
    })
    .optional()
    .meta({ description: 'The `nextPageToken` of the previous page.' }),
});
export type ListQuery = z.output<typeof listQuerySchema>;

export const deleteQuerySchema = z.strictObject({
  releaseDestination: z.enum(['true', 'false']).optional().meta({
    description: 'true: also free the bucket and prefix for a new integration (move or delete the old objects first: new files are numbered from 1 again).',
  }),
});

export const integrationActions = ['pause', 'resume', 'run', 'delete'] as const;
export const actionAcceptedSchema = z
  .strictObject({ id: z.uuid(), action: z.enum(integrationActions), accepted: z.literal(true) })
  .meta({ title: 'ActionAccepted', description: 'Temporal accepted the signal; the workflow acts on it within moments.' });
export type IntegrationAction = (typeof integrationActions)[number];
export type ActionAccepted = z.output<typeof actionAcceptedSchema>;
