// One long-lived workflow per integration: export now, sleep the interval, export again, until deleted.
// Signal handlers only flip flags; one wait reacts to them; every run ends in continue-as-new.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FetchResult, FetchResultWithEvents, MapInput } from '../activities/types';
import {
  deleteSignal,
  ExportStatusAttribute,
  pauseSignal,
  resumeSignal,
  runNowSignal,
  statusQuery,
  type ExportProgress,
  type ExportState,
  type ExportStatus,
  type ExportWorkflowInput,
  type IntegrationConfig,
  type RunSummary,
} from './definitions';
import { objectName, scopeSlug } from './object-names';
import { advanceProgress, batchSummary, fetchInputFor } from './progress';

export async function auditLogExportWorkflow(input: ExportWorkflowInput): Promise<ExportState> {
  const { config } = input;
  const state: ExportState = input.state ?? initialState(config);
  const activities = activityProxies(config);
  let running = false;
  // The start's staticSummary does not survive continue-as-new; current details are shown on every run.
  setCurrentDetails(`${config.name} · ${config.source.scopeMrn} → gs://${config.destination.bucket}/${config.destination.prefix}`);

  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(deleteSignal, () => void (state.deleted = true));
  setHandler(runNowSignal, () => {
    // Paused means no export runs at all until resumed (the API answers 409 before sending this).
    if (!state.paused) state.runRequested = true;
  });
  setHandler(statusQuery, () => ({
    status: statusOf(state),
    lastError: state.lastError && { message: state.lastError.message, at: state.lastError.at },
    lastRun: state.lastRun,
    nextRunAt: state.paused || state.deleted ? undefined : state.nextRunAt,
    watermark: state.progress.watermark,
    totals: state.progress.totals,
    nextSeq: state.progress.nextSeq,
    running,
  }));

  let published: ExportStatus | undefined;
  const publishStatus = () => {
    const status = statusOf(state);
    if (status !== published) {
      upsertSearchAttributes([{ key: ExportStatusAttribute, value: status }]);
      published = status;
    }
  };
  publishStatus();

  for (;;) {
    publishStatus();
    if (state.deleted) {
      if (state.runInProgress) finishRun(state, state.runInProgress, 'deleted');
      publishStatus();
      return state;
    }
    const due = state.nextRunAt === undefined || Date.now() >= Date.parse(state.nextRunAt);
    if (!state.paused && (state.runInProgress || state.runRequested || due)) {
      running = true;
      const outcome = await exportRun(config, state, activities, publishStatus);
      running = false;
      publishStatus();
      if (outcome === 'continue-mid-run') {
        await continueAsNew<typeof auditLogExportWorkflow>({ config, state });
      }
      if (state.deleted) continue; // ends at the top of the loop, without another execution
      state.nextRunAt = new Date(Date.now() + config.timing.intervalMs).toISOString();
      await continueAsNew<typeof auditLogExportWorkflow>({ config, state });
    }
    if (state.paused) {
      // A resume after the scheduled time has passed runs at once; otherwise the schedule holds.
      await condition(() => state.deleted || !state.paused);
    } else {
      const wake = () => state.deleted || state.paused || state.runRequested;
      const waitMs = Math.max(0, Date.parse(state.nextRunAt ?? new Date().toISOString()) - Date.now());
      await condition(wake, waitMs, { summary: `next export ${state.nextRunAt}` });
    }
  }
}

type RunOutcome = 'finished' | 'continue-mid-run';
interface PendingFetch {
  result: Promise<FetchResult | FetchResultWithEvents>;
  cancel(): void;
}

/**
 * Well below Temporal's 10 MB history-size warning, and, with the next batch counted in before it
 * starts, small enough that a client (the UI, the CLI, a replay) fetches an execution's history within
 * gRPC's default 4 MB message. Large enough that an execution lives over a second during a backfill:
 * the server delays the first task of a run that follows its predecessor sooner than that
 * (ContinueAsNewMinInterval, 1 s), which at 2 MB cost every other execution a second.
 */
const MAX_HISTORY_BYTES = 3 * 1024 * 1024;
/** Executions from before the local map (no next-batch projection) and before them. */
const MAX_HISTORY_BYTES_BEFORE_LOCAL_MAP = 2 * 1024 * 1024;
const MAX_HISTORY_BYTES_BEFORE_2MB = 4 * 1024 * 1024;

/** One export run: fetch → map → upload, batch after batch, until the source has nothing new. */
async function exportRun(
  config: IntegrationConfig,
  state: ExportState,
  activities: ReturnType<typeof activityProxies>,
  publishStatus: () => void,
): Promise<RunOutcome> {
  const run: RunSummary = state.runInProgress ?? { startedAt: new Date().toISOString(), events: 0, files: 0 };
  state.runRequested = false;
  state.runInProgress = run;
  const { limits, source, destination } = config;
  const slug = scopeSlug(source.scopeMrn);
  let batches = 0;
  // From this version on the next batch is fetched while the current one is mapped and uploaded.
  // Executions that began without it replay without it.
  const prefetching = patched('prefetch-next-batch');
  // From this version on the map runs as a local activity in the workflow task that receives the
  // batch (one server round trip less per batch, and its input is not written to history again), and
  // the history bound (3 MB) counts the next batch in, since batches grew to several hundred KB each.
  const mappingLocally = patched('map-local-activity');
  const boundAt2mb = patched('history-bound-2mb');
  const maxHistoryBytes = mappingLocally ? MAX_HISTORY_BYTES : boundAt2mb ? MAX_HISTORY_BYTES_BEFORE_LOCAL_MAP : MAX_HISTORY_BYTES_BEFORE_2MB;
  let largestBatchBytes = 0;
  let historyBytesAfterLastBatch = workflowInfo().historySize;
  /** `batchesToCome`: batches this execution is yet to record if it goes on (two when deciding to fetch ahead). */
  const needsNewExecution = (batchesToCome = 1) => {
    const info = workflowInfo();
    // Each batch adds its payloads to history; keep every execution small.
    const projected = info.historySize + (mappingLocally ? batchesToCome * largestBatchBytes : 0);
    return batches >= limits.maxBatchesPerExecution || info.continueAsNewSuggested || projected > maxHistoryBytes;
  };
  const startFetch = (progress: ExportProgress): PendingFetch => {
    const scope = new CancellationScope();
    const result = scope.run(() =>
      activities.fetch.executeWithOptions({ ...activities.fetchOptions, summary: `fetch ${slug} since ${progress.watermark ?? 'the beginning'}` }, [
        fetchInputFor(source, limits, progress),
      ]),
    );
    // A cancelled prefetch is never awaited; its rejection must not count as unhandled.
    result.catch(() => undefined);
    return { result, cancel: () => scope.cancel() };
  };
  let pending: PendingFetch | undefined;
  try {
    for (;;) {
      if (!pending) {
        // Pause and delete take effect before a fetch starts: a fetched batch is always finished.
        if (state.deleted || state.paused) {
          finishRun(state, run, state.deleted ? 'deleted' : 'paused');
          if (state.paused) state.runRequested = true; // resume continues the interrupted run
          return 'finished';
        }
        if (needsNewExecution()) return 'continue-mid-run';
        pending = startFetch(state.progress);
      }
      const batch = await pending.result;
      pending = undefined;
      batches++;
      // Fetches from before `resultFormat` returned the events themselves (older histories).
      const summary = batchSummary(batch);
      if (prefetching && !batch.exhausted && !state.deleted && !state.paused && !needsNewExecution(2)) {
        // Reads as if this batch were uploaded already; if its upload fails the run ends and the
        // prefetched batch is cancelled unused, so it can never skip an event that did not land.
        pending = startFetch(advanceProgress(state.progress, summary));
      }
      let files = 0;
      if (summary.count > 0) {
        const firstSeq = state.progress.nextSeq;
        const lastSeq = firstSeq + summary.count - 1;
        const records = 'events' in batch ? { events: batch.events } : { eventsZstdBase64: batch.eventsZstdBase64 };
        const mapInput: MapInput = { ...records, scopeMrn: source.scopeMrn, maxEventsPerFile: limits.maxEventsPerFile, maxBytesPerFile: limits.maxBytesPerFile };
        const label = `map ${summary.count} events to OCSF (${firstSeq}-${lastSeq})`;
        const mapped = mappingLocally
          ? await activities.mapLocally.executeWithOptions({ ...activities.localOptions, summary: label }, [{ ...mapInput, output: 'zstd-base64' }])
          : await activities.map.executeWithOptions({ ...activities.options, summary: label }, [mapInput]);
        let seq = firstSeq;
        const objects = mapped.files.map(({ bytes: _bytes, ...file }) => {
          const name = objectName(destination.prefix, source.scopeMrn, seq, seq + file.events - 1);
          seq += file.events;
          return { ...file, name };
        });
        await activities.upload.executeWithOptions(
          { ...activities.options, summary: `upload ${objects.length} object(s) to gs://${destination.bucket}/${objects[0]?.name}` },
          [{ destination, objects }],
        );
        files = objects.length;
      }
      // The upload is durable: only now does the watermark move.
      state.progress = advanceProgress(state.progress, summary);
      state.progress.totals = {
        events: state.progress.totals.events + summary.count,
        files: state.progress.totals.files + files,
      };
      run.events += summary.count;
      run.files += files;
      const historyBytes = workflowInfo().historySize;
      largestBatchBytes = Math.max(largestBatchBytes, historyBytes - historyBytesAfterLastBatch);
      historyBytesAfterLastBatch = historyBytes;
      if (batch.exhausted) {
        finishRun(state, run, 'completed');
        state.lastError = undefined;
        publishStatus();
        return 'finished';
      }
    }
  } catch (error) {
    pending?.cancel();
    const failure = describeFailure(error);
    log.warn('export run failed', { integrationId: config.integrationId, kind: failure.kind, message: failure.message });
    state.lastError = { message: failure.message, at: new Date().toISOString(), kind: failure.kind };
    finishRun(state, run, 'failed');
    return 'finished';
  }
}

function finishRun(state: ExportState, run: RunSummary, outcome: NonNullable<RunSummary['outcome']>): void {
  state.lastRun = { ...run, finishedAt: new Date().toISOString(), outcome };
  state.runInProgress = undefined;
}

/**
 * Only an activity that failed for good ends a run with status `error`. Anything else is a bug in
 * this code: rethrown, it fails the workflow task, which Temporal retries until a fixed worker runs.
 */
function describeFailure(error: unknown): { message: string; kind?: string } {
  if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return { message: cause.message, kind: cause.type ?? undefined };
  return { message: cause?.message ?? error.message, kind: cause?.name };
}

function statusOf(state: ExportState): ExportStatus {
  if (state.deleted) return 'deleted';
  if (state.paused) return 'paused';
  // Cleared only by a run that completes, so an error stays visible until the export works again.
  if (state.lastError) return 'error';
  return 'active';
}

function initialState(config: IntegrationConfig): ExportState {
  return {
    progress: {
      // Without history the export starts at the integration's creation.
      watermark: config.includeHistorical ? null : config.createdAt.replace(/\.\d+Z$/, 'Z'),
      recentKeys: {},
      nextSeq: 1,
      totals: { events: 0, files: 0 },
    },
    paused: false,
    deleted: false,
    runRequested: true,
  };
}

function activityProxies(config: IntegrationConfig) {
  const { timing } = config;
  const options: ActivityOptions = {
    startToCloseTimeout: timing.activityTimeoutMs,
    retry: {
      initialInterval: timing.retryInitialMs,
      maximumInterval: timing.retryMaxMs,
      backoffCoefficient: 2,
      maximumAttempts: timing.retryMaxAttempts,
    },
  };
  // The fetch pages through the source and heartbeats per page, so a killed worker is noticed fast.
  const fetchOptions: ActivityOptions = { ...options, heartbeatTimeout: Math.min(timing.activityTimeoutMs, 30_000) };
  const localOptions: LocalActivityOptions = { startToCloseTimeout: timing.activityTimeoutMs, retry: options.retry };
  const { fetch, map, upload } = proxyActivities<Activities>(options);
  const { map: mapLocally } = proxyLocalActivities<Activities>(localOptions);
  return { fetch, map, mapLocally, upload, options, fetchOptions, localOptions };
}
