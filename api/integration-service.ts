// Integrations on Temporal: one export workflow each. The workflow input holds the whole config with
// its secrets; the memo holds the public record; search attributes make it findable in the UI.
import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo as FullExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
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
  scheduleFallbackMinutes,
  SourceTypeAttribute,
  DestinationClaimAttribute,
  IntegrationNameAttribute,
  statusQuery,
  workflowIdFor,
  type ExportStatus,
  type ExportStatusView,
  type IntegrationConfig,
} from '../workflows/definitions';
import type { auditLogExportWorkflow } from '../workflows/export-workflow';
import { createDestinationClaims, destinationKey, type DestinationPlace, type TemporalCall } from './destination-claims';
import { ApiError, notFound, temporalUnreachable } from './errors';
import { integrationIdForKey } from './idempotency';
import {
  createIntegrationSchema,
  DEFAULT_INTERVAL_MINUTES,
  DEFAULT_LIST_LIMIT,
  encodeListCursor,
  exportStatusSchema,
  integrationRecordSchema,
  statusDetail,
  type CreateIntegration,
  type Integration,
  type IntegrationAction,
  type IntegrationDetail,
  type IntegrationList,
  type IntegrationRecord,
  type ListCursor,
  type ListQuery,
} from './schemas/integration';
import type { ConnectorFacts } from '../contracts/connector-config';
import type { Schedule } from './schemas/schedule';
import { sinkConnector } from '../activities/sinks/registry';
import { sourceConnector } from '../activities/sources/registry';
import { DEFAULT_TEMPORAL_TIMEOUT_MS, type ApiSettings } from './settings';

/** What both describe() and list() return about an execution. */
type WorkflowExecutionInfo = Omit<FullExecutionInfo, 'raw'>;

/** The memo key of the public record. */
export const MEMO_KEY = 'integration';
/** The memo key of how the integration was created: its destination claim and request fingerprint. */
export const CREATION_MEMO_KEY = 'creation';
interface CreationMemo {
  /** The claim workflow's id; absent for integrations created before claims existed. */
  destinationClaim?: string;
  /** sha256 of the create request, to tell a retry (same body) from a reused Idempotency-Key. */
  requestHash?: string;
}
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
  settings: Pick<ApiSettings, 'taskQueue' | 'temporalTimeoutMs'>;
  log: Logger;
  /** Seals the write-only fields of the workflow input to the workers' key (lib/sealing.ts). */
  sealer: Sealer;
}

/**
 * What the connectors say of an integration from its public record alone: the facts the workflow is
 * given at creation (contracts/connector-config.ts) and the place its objects land (for the claim).
 */
export function connectorsOf(record: Pick<IntegrationRecord, 'source' | 'destination'>): { facts: ConnectorFacts; place: DestinationPlace } {
  const { scopeSlug, scopeId } = sourceConnector(record.source.type).scope(record.source);
  const { namespace, objectUrlBase, endpoint } = sinkConnector(record.destination.type).location(record.destination);
  const place = { namespace, prefix: record.destination.prefix, scopeSlug, scopeId, objectUrlBase, endpoint };
  return { facts: { scopeSlug, scopeId, objectUrlBase }, place };
}

/** Where an integration's objects land, from its public record: what its destination claim is named by. */
export const placeOf = (record: Pick<IntegrationRecord, 'source' | 'destination'>): DestinationPlace => connectorsOf(record).place;

/** A schedule as a person reads it: "daily at 02:30 Europe/Berlin". */
function scheduleText(schedule: Schedule): string {
  const at = `${schedule.frequency === 'hourly' ? `at minute ${schedule.minute}` : `at ${schedule.time}`} ${schedule.timezone}`;
  if (schedule.frequency === 'weekly') return `weekly on ${schedule.dayOfWeek} ${at}`;
  if (schedule.frequency === 'monthly') return `monthly on day ${schedule.dayOfMonth} ${at}`;
  return `${schedule.frequency} ${at}`;
}

/** A fingerprint of the request: JSON with sorted keys, so the same body always hashes the same. */
function requestHashOf(body: CreateIntegration): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

export function createIntegrationService({ client, settings, log, sealer }: IntegrationServiceDeps) {
  const handleFor = (id: string) => client.workflow.getHandle<typeof auditLogExportWorkflow>(workflowIdFor(id));
  const timeoutMs = settings.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  /**
   * Every Temporal call gets a deadline: a hung server costs a request a few seconds and a 503, not a
   * hung client that later takes effect anyway (creates are made safe to retry by Idempotency-Key).
   */
  const call: TemporalCall = (fn) => client.withDeadline(Date.now() + timeoutMs, fn);
  const claims = createDestinationClaims({ client, taskQueue: settings.taskQueue, log, call });

  /** The latest run of the integration's workflow, or 404. */
  async function describe(id: string) {
    try {
      const description = await call(() => handleFor(id).describe());
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
    const deadline = Date.now() + Math.min(QUERY_TIMEOUT_MS, timeoutMs);
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

  /**
   * The newest execution of every integration Temporal still holds, or of those the visibility query
   * narrows down to: `sourceType` is the same in every run of a chain; `status` is each run's own, so a
   * run that continued as new recently and matched counts only if the integration's current run (which
   * visibility may not list yet) still matches.
   */
  async function newestExecutions(filter: { status?: ExportStatus; sourceType?: string; unclaimed?: boolean } = {}): Promise<WorkflowExecutionInfo[]> {
    const since = new Date(Date.now() - RECENT_CONTINUE_MS).toISOString();
    const recentlyContinued = `(ExecutionStatus = "ContinuedAsNew" AND CloseTime > "${since}")`;
    const clauses = [`WorkflowType = "${EXPORT_WORKFLOW_TYPE}"`, `${IntegrationIdAttribute.name} IS NOT NULL`];
    // Both values come from enums the API validated: nothing of the request reaches the query verbatim.
    if (filter.sourceType) clauses.push(`${SourceTypeAttribute.name} = "${filter.sourceType}"`);
    if (filter.unclaimed) clauses.push(`${DestinationClaimAttribute.name} IS NULL`);
    const { status } = filter;
    if (status === undefined) clauses.push(`(ExecutionStatus != "ContinuedAsNew" OR CloseTime > "${since}")`);
    else if (status === 'deleted') {
      // An ended workflow is deleted however it ended (visibleStatus), a running one once it says so.
      const ended = `(ExecutionStatus != "Running" AND ExecutionStatus != "ContinuedAsNew")`;
      clauses.push(`(${ended} OR ${ExportStatusAttribute.name} = "deleted")`);
    } else {
      const matches = `${ExportStatusAttribute.name} = "${status}"`;
      clauses.push(`((ExecutionStatus = "Running" AND ${matches}) OR (${recentlyContinued} AND ${matches}))`);
    }
    const query = clauses.join(' AND ');
    const newest = new Map<string, WorkflowExecutionInfo>();
    await call(async () => {
      for await (const info of client.workflow.list({ query })) {
        const seen = newest.get(info.workflowId);
        if (!seen || info.startTime > seen.startTime) newest.set(info.workflowId, info);
      }
    });
    if (status === undefined || status === 'deleted') return [...newest.values()];
    const current: WorkflowExecutionInfo[] = [];
    for (const info of newest.values()) {
      if (info.status.name !== 'CONTINUED_AS_NEW') current.push(info);
      else {
        // Rare: only a run that matched, continued as new within minutes, and whose successor does not.
        const now = await call(() => client.workflow.getHandle(info.workflowId).describe()).catch(() => undefined);
        if (now) current.push(now);
      }
    }
    return current;
  }

  /** Integrations Temporal still holds, newest first, one page at a time. */
  async function list(query: Partial<ListQuery> = {}): Promise<IntegrationList> {
    const { status, sourceType, limit = DEFAULT_LIST_LIMIT, pageToken: after } = query;
    const integrations: Integration[] = [];
    for (const info of await newestExecutions({ status, sourceType })) {
      const record = recordOf(info);
      const current = visibleStatus(info);
      // Filtered after collapsing too: an older run of the chain may carry a status that no longer holds.
      if (record && (!status || current === status)) integrations.push({ ...record, status: current });
    }
    const newestFirst = (a: ListCursor, b: ListCursor) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
    integrations.sort(newestFirst);
    // A cursor, not an offset: integrations created meanwhile come first and shift no later page.
    const rest = after ? integrations.filter((integration) => newestFirst(after, integration) < 0) : integrations;
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    return { integrations: page, ...(rest.length > limit && last ? { nextPageToken: encodeListCursor(last) } : {}) };
  }

  const creationOf = (info: Pick<WorkflowExecutionInfo, 'memo'>): CreationMemo => (info.memo?.[CREATION_MEMO_KEY] as CreationMemo | undefined) ?? {};

  /**
   * Integrations created before claims existed hold none, so the claim cannot see them: compare with
   * them the slow way (deleted ones count too: their objects stay in the bucket). Integrations with a
   * claim are left out: whoever got the claim has it because theirs was released.
   */
  async function assertNoUnclaimedClash(place: DestinationPlace, id: string): Promise<void> {
    const wanted = destinationKey(place);
    // Only integrations without a claim attribute: those from before claims existed (few, and no more are
    // made), and those created with claims before the attribute (their memo says so). Listing every
    // integration on each create made creates O(integrations).
    for (const info of await newestExecutions({ unclaimed: true })) {
      const record = recordOf(info);
      if (!record || record.id === id || creationOf(info).destinationClaim) continue;
      if (destinationKey(placeOf(record)) !== wanted) continue;
      const { facts } = connectorsOf(record);
      throw new ApiError(
        409,
        'destination_in_use',
        `Integration ${record.id} ("${record.name}", ${visibleStatus(info)}) already exports ${facts.scopeId} to ${facts.objectUrlBase}${record.destination.prefix}; ` +
          'their object names would collide. Choose another prefix.',
      );
    }
  }

  /**
   * What a create with this Idempotency-Key answered first, if it happened: the same body again. A
   * different request under the same key is refused rather than guessed at.
   */
  async function firstResult(id: string, requestHash: string): Promise<Integration | undefined> {
    let description;
    try {
      description = await call(() => handleFor(id).describe());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
    const record = recordOf(description);
    if (!record || creationOf(description).requestHash !== requestHash) {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; send a new key for a new integration');
    }
    return { ...record, status: 'active' };
  }

  /** Frees a claim after a create failed for sure; after a timeout the export may still start, so the claim stays. */
  async function releaseAfterFailure(place: DestinationPlace, id: string, cause: unknown): Promise<void> {
    if (temporalUnreachable(cause)) {
      log.warn(
        { integrationId: id },
        'create timed out after the destination was claimed; the claim stays until the create is retried with its Idempotency-Key or released',
      );
      return;
    }
    try {
      await claims.release(place, id);
    } catch (error) {
      log.warn({ err: error, integrationId: id }, 'could not release the destination claim of a failed create');
    }
  }

  /** Sends the action's signal; resolves once Temporal has accepted it. */
  async function act(id: string, action: IntegrationAction): Promise<void> {
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
      await call(() => handle.signal(actions[action]));
    } catch (error) {
      // It ended between our look and the signal.
      if (error instanceof WorkflowNotFoundError) throw new ApiError(409, 'integration_deleted', `Integration ${id} is deleted`);
      throw error;
    }
    log.info({ integrationId: id, action }, 'integration signalled');
  }

  return {
    /**
     * Claims the destination, then starts the export workflow. With an Idempotency-Key the id is
     * derived from the key, so Temporal's workflow-id uniqueness makes a retried create return the
     * first one's result instead of making a second integration.
     */
    async create(request: CreateIntegration, idempotencyKey?: string): Promise<Integration> {
      // The default interval applies without a schedule; filled in before hashing, as it always was.
      const body = request.schedule ? request : { ...request, intervalMinutes: request.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES };
      const requestHash = requestHashOf(body);
      const id = idempotencyKey === undefined ? randomUUID() : integrationIdForKey(idempotencyKey);
      if (idempotencyKey !== undefined) {
        const first = await firstResult(id, requestHash);
        if (first) return first;
      }
      const workflowId = workflowIdFor(id);
      const createdAt = new Date().toISOString();
      const { name, source, destination, intervalMinutes, schedule, filters, includeHistorical, backfillFrom, lateArrivalSeconds } = body;
      const record: IntegrationRecord = {
        id,
        workflowId,
        name,
        source: sourceConnector(source.type).view(source),
        destination: sinkConnector(destination.type).view(destination, id),
        ...(schedule ? { schedule } : { intervalMinutes }),
        ...(filters ? { filters } : {}),
        includeHistorical,
        ...(backfillFrom === undefined ? {} : { backfillFrom }),
        ...(lateArrivalSeconds === undefined ? {} : { lateArrivalSeconds }),
        createdAt,
      };
      const { facts, place } = connectorsOf(record);
      // Sealed: not even the codec endpoint the Temporal UI decodes through can read them.
      const sealed = await sealer.sealWriteOnly({ source, destination }, createIntegrationSchema);
      const config: IntegrationConfig = {
        integrationId: id,
        name,
        source: sealed.source,
        destination: sealed.destination,
        connectorFacts: facts,
        includeHistorical,
        createdAt,
        ...(backfillFrom === undefined ? {} : { backfillFrom }),
        ...(schedule ? { schedule } : {}),
        ...(filters ? { filters } : {}),
        timing: defaultTiming(schedule ? scheduleFallbackMinutes(schedule) : (intervalMinutes ?? DEFAULT_INTERVAL_MINUTES)),
        // The late-arrival window: the integration's, else its source's, else the six-minute default.
        limits: {
          ...DEFAULT_LIMITS,
          lateArrivalSeconds: lateArrivalSeconds ?? sourceConnector(source.type).lateArrivalSeconds ?? DEFAULT_LIMITS.lateArrivalSeconds,
        },
      };
      // Last before the start: nothing between the claim and the start may fail without releasing it.
      const destinationClaim = await claims.claim(place, id);
      const creation: CreationMemo = { destinationClaim, requestHash };
      const start = () =>
        client.workflow.start<typeof auditLogExportWorkflow>(EXPORT_WORKFLOW_TYPE, {
          taskQueue: settings.taskQueue,
          workflowId,
          // Ids are never reused, so a deleted integration's workflow stays its own while Temporal keeps it.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ config }],
          memo: { [MEMO_KEY]: record, [CREATION_MEMO_KEY]: creation },
          typedSearchAttributes: [
            { key: IntegrationIdAttribute, value: id },
            { key: ExportStatusAttribute, value: 'active' },
            { key: SourceTypeAttribute, value: source.type },
            { key: IntegrationNameAttribute, value: name },
            { key: DestinationClaimAttribute, value: destinationClaim },
          ],
          staticSummary: `${name} · ${facts.scopeId}`,
          staticDetails: `Exports the ${source.type} audit log of ${facts.scopeId} to ${facts.objectUrlBase}${destination.prefix} ${schedule ? scheduleText(schedule) : `every ${intervalMinutes} min`}.`,
        });
      try {
        await assertNoUnclaimedClash(place, id);
        await call(start);
      } catch (error) {
        // The same key, sent twice at once: the other request started it.
        if (idempotencyKey !== undefined && error instanceof WorkflowExecutionAlreadyStartedError) {
          const first = await firstResult(id, requestHash);
          if (first) return first;
        }
        await releaseAfterFailure(place, id, error);
        throw error;
      }
      log.info({ integrationId: id, workflowId, scope: facts.scopeId, destination: `${facts.objectUrlBase}${destination.prefix}` }, 'integration created');
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

    act,

    /**
     * DELETE. The destination stays claimed (the objects stay in the bucket, and a new integration
     * would number its files from 1 again) unless `releaseDestination`; that also works on an
     * integration deleted before, and on the id a failed create left holding a claim.
     */
    async remove(id: string, releaseDestination: boolean): Promise<void> {
      if (!releaseDestination) return act(id, 'delete');
      let found;
      try {
        found = await describe(id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && (await claims.releaseAllOf(id)) > 0) return;
        throw error;
      }
      const { description, record } = found;
      if (!creationOf(description).destinationClaim) {
        throw new ApiError(
          409,
          'destination_not_releasable',
          `Integration ${id} was created before destination claims existed: its destination stays reserved while Temporal keeps its workflow. Choose another prefix.`,
        );
      }
      if (visibleStatus(description) !== 'deleted') {
        try {
          await act(id, 'delete');
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 'integration_deleted')) throw error;
        }
      }
      await claims.release(placeOf(record), id);
    },

    /** For one-time exports (api/export-service.ts), which follow the same destination rules. */
    assertNoUnclaimedClash,

    /** 404 unless the integration exists (any state). */
    async assertExists(id: string): Promise<void> {
      await describe(id);
    },
  };
}
export type IntegrationService = ReturnType<typeof createIntegrationService>;
