// One-time exports on Temporal: one workflow each (workflows/one-time-export.ts), claiming its
// destination like an integration does. The memo holds the public record; a running export answers
// its status query, an ended one its result.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo as FullExecutionInfo } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import type { Sealer } from '../lib/sealing';
import {
  DEFAULT_LIMITS,
  defaultTiming,
  ExportStatusAttribute,
  IntegrationIdAttribute,
  IntegrationNameAttribute,
  SourceTypeAttribute,
} from '../workflows/definitions';
import type { oneTimeExportWorkflow } from '../workflows/one-time-export';
import {
  cancelExportSignal,
  ONE_TIME_EXPORT_WORKFLOW_TYPE,
  oneTimeExportStatusQuery,
  oneTimeExportWorkflowId,
  type OneTimeExportConfig,
  type OneTimeExportStatus,
  type OneTimeExportView,
} from '../workflows/one-time-export-definitions';
import { sinkConnector } from '../activities/sinks/registry';
import { sourceConnector } from '../activities/sources/registry';
import { createDestinationClaims, type TemporalCall } from './destination-claims';
import { ApiError, notFound, temporalUnreachable } from './errors';
import { connectorsOf, type IntegrationService } from './integration-service';
import { createExportSchema, exportRecordSchema, type CreateExport, type Export, type ExportDetail, type ExportRecord } from './schemas/export';
import { DEFAULT_TEMPORAL_TIMEOUT_MS, type ApiSettings } from './settings';

type WorkflowExecutionInfo = Omit<FullExecutionInfo, 'raw'>;

/** The memo keys: the public record, and the destination claim. */
const MEMO_KEY = 'export';
const CLAIM_MEMO_KEY = 'destinationClaim';
const QUERY_TIMEOUT_MS = 5_000;
/** Executions that continued as new this recently may still be the newest visibility shows of a chain. */
const RECENT_CONTINUE_MS = 10 * 60_000;

export interface ExportServiceDeps {
  client: Client;
  settings: Pick<ApiSettings, 'taskQueue' | 'temporalTimeoutMs'>;
  log: Logger;
  sealer: Sealer;
  /** The destination rules integrations follow (claims of integrations from before claims existed). */
  integrations: Pick<IntegrationService, 'assertNoUnclaimedClash'>;
}

/** An opaque cursor: the sort key (createdAt, id) of the last export of the previous page. */
const encodeToken = (last: Pick<ExportRecord, 'createdAt' | 'id'>) => Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url');
function decodeToken(token: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) return parsed as [string, string];
  } catch {
    // Falls through to the 400.
  }
  throw new ApiError(400, 'validation_failed', 'pageToken must be a nextPageToken this API returned', [
    { path: 'pageToken', message: 'not a token this API returned' },
  ]);
}
/** Newest first; ties by id, so the order (and a cursor into it) is total. */
const newestFirst = (a: Pick<ExportRecord, 'createdAt' | 'id'>, b: Pick<ExportRecord, 'createdAt' | 'id'>) =>
  b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);

export function createExportService({ client, settings, log, sealer, integrations }: ExportServiceDeps) {
  const handleFor = (id: string) => client.workflow.getHandle<typeof oneTimeExportWorkflow>(oneTimeExportWorkflowId(id));
  const timeoutMs = settings.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const call: TemporalCall = (fn) => client.withDeadline(Date.now() + timeoutMs, fn);
  const claims = createDestinationClaims({ client, taskQueue: settings.taskQueue, log, call });

  function recordOf(info: WorkflowExecutionInfo): ExportRecord | undefined {
    const parsed = exportRecordSchema.safeParse(info.memo?.[MEMO_KEY]);
    return parsed.success ? parsed.data : undefined;
  }

  /** Running, or how it ended (a termination from the UI counts as cancelled, a timeout as failed). */
  function statusOf(info: WorkflowExecutionInfo): OneTimeExportStatus {
    switch (info.status.name) {
      case 'RUNNING':
      case 'CONTINUED_AS_NEW':
        return 'running';
      case 'CANCELLED':
      case 'TERMINATED':
        return 'cancelled';
      case 'COMPLETED':
        // The workflow ends with its outcome as the search attribute (completed, failed or cancelled).
        return (info.typedSearchAttributes.get(ExportStatusAttribute) as OneTimeExportStatus | undefined) ?? 'completed';
      default:
        return 'failed';
    }
  }

  async function describe(id: string) {
    try {
      const description = await call(() => handleFor(id).describe());
      const record = recordOf(description);
      if (description.type !== ONE_TIME_EXPORT_WORKFLOW_TYPE || !record) throw notFound(`Export ${id}`);
      return { description, record };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound(`Export ${id}`);
      throw error;
    }
  }

  const summaryOf = (record: ExportRecord, info: WorkflowExecutionInfo): Export => ({
    ...record,
    status: statusOf(info),
    startedAt: record.createdAt,
    ...(info.closeTime && info.status.name !== 'CONTINUED_AS_NEW' ? { finishedAt: info.closeTime.toISOString() } : {}),
  });

  /** The live view of a running export, the result of a completed one; undefined when nobody answers in time. */
  async function viewOf(id: string, info: WorkflowExecutionInfo): Promise<OneTimeExportView | undefined> {
    const deadline = Date.now() + Math.min(QUERY_TIMEOUT_MS, timeoutMs);
    try {
      if (info.status.name === 'COMPLETED') return await client.withDeadline(deadline, () => handleFor(id).result());
      // A query of an ended (cancelled, terminated) workflow is answered by a worker replaying it.
      return await client.withDeadline(deadline, () => handleFor(id).query(oneTimeExportStatusQuery));
    } catch (error) {
      log.warn({ err: error, exportId: id }, 'export status unavailable; answering without it');
      return undefined;
    }
  }

  return {
    async create(body: CreateExport): Promise<Export> {
      const id = randomUUID();
      const workflowId = oneTimeExportWorkflowId(id);
      const createdAt = new Date().toISOString();
      const { name, source, destination, from, to, filters } = body;
      const lateArrivalSeconds = body.lateArrivalSeconds ?? sourceConnector(source.type).lateArrivalSeconds ?? DEFAULT_LIMITS.lateArrivalSeconds;
      const record: ExportRecord = {
        id,
        workflowId,
        name,
        source: sourceConnector(source.type).view(source),
        destination: sinkConnector(destination.type).view(destination, id),
        from,
        to,
        ...(filters ? { filters } : {}),
        lateArrivalSeconds,
        createdAt,
      };
      const { facts, place } = connectorsOf(record);
      const sealed = await sealer.sealWriteOnly({ source, destination }, createExportSchema);
      const config: OneTimeExportConfig = {
        integrationId: id,
        name,
        source: sealed.source,
        destination: sealed.destination,
        connectorFacts: facts,
        includeHistorical: false,
        createdAt,
        timing: defaultTiming(60),
        limits: { ...DEFAULT_LIMITS, lateArrivalSeconds },
        range: { from, to },
        ...(filters ? { filters } : {}),
      };
      // The same names as an integration's (`<prefix><scope>-audit-logs-1-…`): the same claim.
      const destinationClaim = await claims.claim(place, id);
      try {
        await integrations.assertNoUnclaimedClash(place, id);
        await call(() =>
          client.workflow.start<typeof oneTimeExportWorkflow>(ONE_TIME_EXPORT_WORKFLOW_TYPE, {
            taskQueue: settings.taskQueue,
            workflowId,
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ config }],
            memo: { [MEMO_KEY]: record, [CLAIM_MEMO_KEY]: destinationClaim },
            typedSearchAttributes: [
              { key: IntegrationIdAttribute, value: id },
              { key: ExportStatusAttribute, value: 'running' },
              { key: SourceTypeAttribute, value: source.type },
              { key: IntegrationNameAttribute, value: name },
            ],
            staticSummary: `${name} · ${facts.scopeId} ${from} – ${to}`,
            staticDetails: `Exports the ${source.type} audit log of ${facts.scopeId} from ${from} (inclusive) to ${to} (exclusive) to ${facts.objectUrlBase}${destination.prefix}, once.`,
          }),
        );
      } catch (error) {
        // After a timeout the start may still happen: the claim then stays (like an integration's).
        if (!temporalUnreachable(error))
          await claims.release(place, id).catch((e: unknown) => log.warn({ err: e, exportId: id }, 'could not release the claim'));
        throw error;
      }
      log.info(
        { exportId: id, workflowId, scope: facts.scopeId, from, to, destination: `${facts.objectUrlBase}${destination.prefix}` },
        'one-time export started',
      );
      return { ...record, status: 'running', startedAt: createdAt };
    },

    async get(id: string): Promise<ExportDetail> {
      const { description, record } = await describe(id);
      const summary = summaryOf(record, description);
      const view = await viewOf(id, description);
      if (!view) return { ...summary, progress: { events: 0, files: 0 } };
      const { progress, watermark, lastError, retrying, lastPassAt } = view;
      return {
        ...summary,
        progress,
        watermark,
        ...(lastError ? { lastError: { message: lastError.message, at: lastError.at } } : {}),
        ...(retrying && summary.status === 'running' ? { retrying } : {}),
        ...(lastPassAt && summary.status === 'running' ? { lastPassAt } : {}),
      };
    },

    /** Newest first, `limit` at a time; the token is the position after the last one returned. */
    async list(query: { status?: OneTimeExportStatus; limit: number; pageToken?: string }): Promise<{ exports: Export[]; nextPageToken?: string }> {
      const after = query.pageToken === undefined ? undefined : decodeToken(query.pageToken);
      const since = new Date(Date.now() - RECENT_CONTINUE_MS).toISOString();
      const visibility = `WorkflowType = "${ONE_TIME_EXPORT_WORKFLOW_TYPE}" AND (ExecutionStatus != "ContinuedAsNew" OR CloseTime > "${since}")`;
      const newest = new Map<string, WorkflowExecutionInfo>();
      await call(async () => {
        for await (const info of client.workflow.list({ query: visibility })) {
          const seen = newest.get(info.workflowId);
          if (!seen || info.startTime > seen.startTime) newest.set(info.workflowId, info);
        }
      });
      const all: Export[] = [];
      for (const info of newest.values()) {
        const record = recordOf(info);
        if (!record) continue;
        const summary = summaryOf(record, info);
        if (!query.status || summary.status === query.status) all.push(summary);
      }
      all.sort(newestFirst);
      const start = after ? all.findIndex((e) => newestFirst(e, { createdAt: after[0], id: after[1] }) > 0) : 0;
      const page = start < 0 ? [] : all.slice(start, start + query.limit);
      const more = start >= 0 && start + query.limit < all.length;
      return { exports: page, ...(more ? { nextPageToken: encodeToken(page.at(-1)!) } : {}) };
    },

    /** DELETE: stops a running export (objects written stay); an ended one is a 409 naming how it ended. */
    async cancel(id: string): Promise<void> {
      const { description } = await describe(id);
      const status = statusOf(description);
      if (status !== 'running') throw new ApiError(409, 'export_ended', `Export ${id} has ended (${status}): there is nothing to cancel`);
      try {
        await call(() => handleFor(id).signal(cancelExportSignal));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'export_ended', `Export ${id} has ended: there is nothing to cancel`);
        throw error;
      }
      log.info({ exportId: id }, 'one-time export cancelled');
    },
  };
}
export type ExportService = ReturnType<typeof createExportService>;
