// Integrations on Temporal: one export workflow each. The workflow input holds the whole config with
// its secrets; the memo holds the public record; search attributes make it findable in the UI.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo as FullExecutionInfo, type WorkflowHandle } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import type { Sealer } from '../lib/sealing';
import {
  DEFAULT_LIMITS,
  defaultTiming,
  deleteSignal,
  EXPORT_WORKFLOW_TYPE,
  ExportStatusAttribute,
  IntegrationIdAttribute,
  pauseSignal,
  resumeSignal,
  runNowSignal,
  SourceTypeAttribute,
  statusQuery,
  workflowIdFor,
  type ExportStatus,
  type ExportStatusView,
  type IntegrationConfig,
} from '../workflows/definitions';
import type { auditLogExportWorkflow } from '../workflows/export-workflow';
import { scopeSlug } from '../workflows/object-names';
import { ApiError, notFound } from './errors';
import { gcsDestinationView } from './schemas/gcs-destination';
import {
  createIntegrationSchema,
  exportStatusSchema,
  integrationRecordSchema,
  statusDetail,
  type CreateIntegration,
  type Integration,
  type IntegrationAction,
  type IntegrationDetail,
  type IntegrationRecord,
} from './schemas/integration';
import { mondooSourceView } from './schemas/mondoo-source';
import type { ApiSettings } from './settings';

/** What both describe() and list() return about an execution. */
type WorkflowExecutionInfo = Omit<FullExecutionInfo, 'raw'>;

/** The memo key of the public record. */
export const MEMO_KEY = 'integration';
const actions = { pause: pauseSignal, resume: resumeSignal, run: runNowSignal, delete: deleteSignal } as const satisfies Record<IntegrationAction, unknown>;

/** How long a status query may wait for a worker before the API answers without it. */
const QUERY_TIMEOUT_MS = 5_000;
/**
 * Listing reads the current execution of each workflow (not ContinuedAsNew) plus executions that
 * continued as new recently: visibility records the new run a moment after the old one closes, and
 * in that moment the closed one is the newest an integration has.
 */
const RECENT_CONTINUE_MS = 10 * 60_000;

export interface IntegrationServiceDeps {
  client: Client;
  settings: Pick<ApiSettings, 'taskQueue'>;
  log: Logger;
  /** Seals the write-only fields of the workflow input to the workers' key (lib/sealing.ts). */
  sealer: Sealer;
}

export function createIntegrationService({ client, settings, log, sealer }: IntegrationServiceDeps) {
  const handleFor = (id: string) => client.workflow.getHandle<typeof auditLogExportWorkflow>(workflowIdFor(id));

  /** The latest run of the integration's workflow, or 404. */
  async function describe(id: string) {
    try {
      const description = await handleFor(id).describe();
      const record = recordOf(description);
      if (description.type !== EXPORT_WORKFLOW_TYPE || !record) throw notFound(`Integration ${id}`);
      return { description, record };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound(`Integration ${id}`);
      throw error;
    }
  }

  function recordOf(info: WorkflowExecutionInfo): IntegrationRecord | undefined {
    const parsed = integrationRecordSchema.safeParse(info.memo?.[MEMO_KEY]);
    if (!parsed.success) log.warn({ workflowId: info.workflowId, runId: info.runId }, 'export workflow without a valid integration memo');
    return parsed.success ? parsed.data : undefined;
  }

  /** An ended workflow exports nothing more, however it ended; a running one says so itself. */
  function visibleStatus(info: WorkflowExecutionInfo): ExportStatus {
    if (info.status.name !== 'RUNNING' && info.status.name !== 'CONTINUED_AS_NEW') return 'deleted';
    return exportStatusSchema.safeParse(info.typedSearchAttributes.get(ExportStatusAttribute)).data ?? 'active';
  }

  /**
   * The status query sees every signal accepted before it, unlike the search attribute, which moves
   * only when the workflow has handled them. Undefined when no worker answers in time.
   */
  async function queryStatus(id: string): Promise<ExportStatusView | undefined> {
    const deadline = Date.now() + QUERY_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.withDeadline(deadline, () => handleFor(id).query(statusQuery));
      } catch (error) {
        // A query can land between two runs of a continue-as-new chain; the next attempt finds the new one.
        if (attempt < 3 && Date.now() < deadline && /continued as new|not found/i.test((error as Error).message)) continue;
        log.warn({ err: error, integrationId: id }, 'status query failed; answering without it');
        return undefined;
      }
    }
  }

  /** Every integration Temporal still holds, newest execution of each. */
async function list(status?: ExportStatus): Promise<Integration[]> {
    const since = new Date(Date.now() - RECENT_CONTINUE_MS).toISOString();
    const query =
      `WorkflowType = "${EXPORT_WORKFLOW_TYPE}" AND ${IntegrationIdAttribute.name} IS NOT NULL ` +
      `AND (ExecutionStatus != "ContinuedAsNew" OR CloseTime > "${since}")`;
    const newest = new Map<string, WorkflowExecutionInfo>();
    for await (const info of client.workflow.list({ query })) {
      const seen = newest.get(info.workflowId);
      if (!seen || info.startTime > seen.startTime) newest.set(info.workflowId, info);
    }
    const integrations: Integration[] = [];
    for (const info of newest.values()) {
      const record = recordOf(info);
      const current = visibleStatus(info);
      // Filtered after collapsing: an older run of the chain may carry a status that no longer holds.
      if (record && (!status || current === status)) integrations.push({ ...record, status: current });
    }
    return integrations.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Object names are `<prefix><scope>-audit-logs-<from>-<to>.jsonl` with sequence numbers per integration,
   * so two integrations of one scope writing to the same place would collide from their first file on.
   * Deleted ones count too: their objects stay in the bucket.
   */
  async function assertDestinationFree(body: CreateIntegration): Promise<void> {
    const place = (endpoint: string | undefined, bucket: string, prefix: string, scopeMrn: string) =>
      JSON.stringify([endpoint ?? '', bucket, prefix, scopeSlug(scopeMrn)]);
    const wanted = place(body.destination.endpoint, body.destination.bucket, body.destination.prefix, body.source.scopeMrn);
    const clash = (await list()).find((i) => place(i.destination.endpoint, i.destination.bucket, i.destination.prefix, i.source.scopeMrn) === wanted);
    if (clash) {
      throw new ApiError(
        409,
        'destination_in_use',
        `Integration ${clash.id} ("${clash.name}", ${clash.status}) already exports ${clash.source.scopeMrn} to gs://${clash.destination.bucket}/${clash.destination.prefix}; ` +
          'their object names would collide. Choose another prefix.',
      );
    }
  }

  return {
    async create(body: CreateIntegration): Promise<Integration> {
      await assertDestinationFree(body);
      const id = randomUUID();
      const workflowId = workflowIdFor(id);
      const createdAt = new Date().toISOString();
      const { name, source, destination, intervalMinutes, includeHistorical } = body;
      const record: IntegrationRecord = {
        id,
        workflowId,
        name,
        source: mondooSourceView(source),
        destination: gcsDestinationView(destination, id),
        intervalMinutes,
        includeHistorical,
        createdAt,
      };
      // Sealed: not even the codec endpoint the Temporal UI decodes through can read them.
      const sealed = await sealer.sealWriteOnly({ source, destination }, createIntegrationSchema);
      const config: IntegrationConfig = {
        integrationId: id,
        name,
        source: sealed.source,
        destination: sealed.destination,
        includeHistorical,
        createdAt,
        intervalMinutes,
        timing: defaultTiming(intervalMinutes),
        limits: DEFAULT_LIMITS,
      };
      await client.workflow.start<typeof auditLogExportWorkflow>(EXPORT_WORKFLOW_TYPE, {
        taskQueue: settings.taskQueue,
        workflowId,
        // Ids are never reused, so a deleted integration's workflow stays its own while Temporal keeps it.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ config }],
        memo: { [MEMO_KEY]: record },
        typedSearchAttributes: [
          { key: IntegrationIdAttribute, value: id },
          { key: ExportStatusAttribute, value: 'active' },
          { key: SourceTypeAttribute, value: source.type },
        ],
        staticSummary: `${name} · ${source.scopeMrn}`,
        staticDetails: `Exports the ${source.type} audit log of ${source.scopeMrn} to gs://${destination.bucket}/${destination.prefix} every ${intervalMinutes} min.`,
      });
      log.info({ integrationId: id, workflowId, scopeMrn: source.scopeMrn, bucket: destination.bucket }, 'integration created');
      return { ...record, status: 'active' };
    },

    list,

    async get(id: string): Promise<IntegrationDetail> {
      const { description, record } = await describe(id);
      const view = await queryStatus(id);
      const status = visibleStatus(description);
      if (!view) return { ...record, status };
      return { ...record, ...statusDetail(view), ...(status === 'deleted' ? { status } : {}) };
    },

    /** Sends the action's signal; resolves once Temporal has accepted it. */
    async act(id: string, action: IntegrationAction): Promise<void> {
      const { description } = await describe(id);
      let status = visibleStatus(description);
      if (status !== 'deleted') status = (await queryStatus(id))?.status ?? status;
      if (status === 'deleted') {
        throw new ApiError(409, 'integration_deleted', `Integration ${id} is deleted: it exports nothing more and takes no actions`);
      }
      if (action === 'run' && status === 'paused') {
        throw new ApiError(409, 'integration_paused', `Integration ${id} is paused; resume it to export again`);
      }
      const handle: WorkflowHandle = handleFor(id);
      try {
        await handle.signal(actions[action]);
      } catch (error) {
        // It ended between our look and the signal.
        if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'integration_deleted', `Integration ${id} is deleted`);
        throw error;
      }
      log.info({ integrationId: id, action }, 'integration signalled');
    },

    /** 404 unless the integration exists (any state). */
    async assertExists(id: string): Promise<void> {
      await describe(id);
    },
  };
}
export type IntegrationService = ReturnType<typeof createIntegrationService>;
