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
import type { FetchResult, FetchResultWithEvents, MapInput } from '../contracts/activities';
import { connectorFactsOf } from '../contracts/legacy-inputs';
import {
  activityRetryingSignal,
  deleteSignal,
  ExportStatusAttribute,
  pauseSignal,
  resumeSignal,
  runNowSignal,
  statusQuery,
  type ActivityRetryingReport,
  type ExportProgress,
  type ExportState,
  type ExportStatus,
  type ExportWorkflowInput,
  type IntegrationConfig,
  type RetryingView,
  type RunSummary,
} from './definitions';
import { objectName } from './object-names';
import { advanceProgress, batchSummary, fetchInputFor } from './progress';

/**
 * From this version on a pause or a delete cancels the activities in flight and publishes the new
 * `ExportStatus` from the signal handler, instead of waiting for the fetch or upload to finish.
 */
export const CANCEL_IN_FLIGHT_PATCH = 'cancel-in-flight-on-pause-delete';

export async function auditLogExportWorkflow(input: ExportWorkflowInput): Promise<ExportState> {
  // Inputs from before connectors get their facts derived once; continue-as-new then carries them.
  const config: IntegrationConfig = { ...input.config, connectorFacts: connectorFactsOf(input.config) };
  const facts = connectorFactsOf(config);
  const state: ExportState = input.state ?? initialState(config);
  const activities = activityProxies(config);
  // Asked once, first thing: executions that began before the patch keep waiting for their activities.
  const inFlight = new InFlight(patched(CANCEL_IN_FLIGHT_PATCH));
  let running = false;
  const retrying = new RetryStreak(`${config.name} · ${facts.scopeId} → ${facts.objectUrlBase}${config.destination.prefix}`);

  let published: ExportStatus | undefined;
  const publishStatus = () => {
    const status = statusOf(state);
    if (status !== published) {
      upsertSearchAttributes([{ key: ExportStatusAttribute, value: status }]);
      published = status;
    }
  };
  /** A pause or delete stops the run now: its activities are cancelled, the status shows it at once. */
  const interrupt = () => {
    if (!inFlight.cancels) return;
    inFlight.cancelAll();
    retrying.clear();
    publishStatus();
  };

  setHandler(pauseSignal, () => {
    state.paused = true;
    interrupt();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    // A run parked at its upload by the pause goes on inside exportRun: say so now, not when it ends.
    if (inFlight.cancels) publishStatus();
  });
  setHandler(deleteSignal, () => {
    state.deleted = true;
    interrupt();
  });
  setHandler(runNowSignal, () => {
    // Paused means no export runs at all until resumed (the API answers 409 before sending this).
    if (!state.paused) state.runRequested = true;
  });
  setHandler(activityRetryingSignal, (report) => {
    // A report from an activity the run no longer waits for (cancelled by a pause or delete) is stale.
    if (running && !state.paused && !state.deleted) retrying.report(report);
  });
  setHandler(statusQuery, () => ({
    status: statusOf(state),
    lastError: state.lastError && { message: state.lastError.message, at: state.lastError.at },
    retrying: retrying.view(),
    lastRun: state.lastRun,
    nextRunAt: state.paused || state.deleted ? undefined : state.nextRunAt,
    watermark: state.progress.watermark,
    totals: state.progress.totals,
    nextSeq: state.progress.nextSeq,
    running,
  }));
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
      const outcome = await exportRun(config, state, { ...activities, inFlight, retrying }, publishStatus);
      running = false;
      retrying.clear();
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

/** The cancellation scopes of the activities in flight, which a pause or delete cancels. */
class InFlight {
  private readonly scopes = new Set<CancellationScope>();
  /** Whether anything was cancelled since the run began (a cancellation we caused, not a bug). */
  interrupted = false;

  constructor(readonly cancels: boolean) {}

  /** Runs `body` in a scope that cancelAll() cancels (before the patch: as it ran then, in `scope` if given). */
  run<T>(body: () => Promise<T>, scope?: CancellationScope): Promise<T> {
    if (!this.cancels) return scope ? scope.run(body) : body();
    scope ??= new CancellationScope();
    this.scopes.add(scope);
    const result = scope.run(body);
    const forget = () => void this.scopes.delete(scope);
    result.then(forget, forget);
    return result;
  }

  cancelAll(): void {
    if (this.scopes.size > 0) this.interrupted = true;
    for (const scope of this.scopes) scope.cancel();
    this.scopes.clear();
  }

  /** Whether `error` is the cancellation a pause or delete caused. */
  causedBy(error: unknown): boolean {
    return this.cancels && this.interrupted && isCancellation(error);
  }
}

/**
 * The failed attempts of the run's activities, as their `activityRetrying` signals report them: shown
 * in the status query and the UI's current details until that activity succeeds again.
 */
class RetryStreak {
  private current?: RetryingView & { activity: string };

  constructor(private readonly summary: string) {
    // The start's staticSummary does not survive continue-as-new; current details are shown on every run.
    setCurrentDetails(summary);
  }

  report(report: ActivityRetryingReport): void {
    const same = this.current?.activity === report.activity;
    if (report.lost && same && this.current!.attempt >= report.attempt) return;
    const since = same ? this.current!.since : report.at;
    this.current = { activity: report.activity, attempt: report.attempt, message: report.message, since };
    setCurrentDetails(
      `${this.summary}\n\n**Retrying**: ${report.activity} attempt ${report.attempt} failed: ${report.message} (failing since ${since})`,
    );
  }

  /** An activity of `activity`'s type succeeded (or, without one, the run ended or was interrupted). */
  clear(activity?: string): void {
    if (!this.current || (activity && this.current.activity !== activity)) return;
    this.current = undefined;
    setCurrentDetails(this.summary);
  }

  view(): RetryingView | undefined {
    return this.current && { attempt: this.current.attempt, message: this.current.message, since: this.current.since };
  }
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
  activities: ReturnType<typeof activityProxies> & { inFlight: InFlight; retrying: RetryStreak },
  publishStatus: () => void,
): Promise<RunOutcome> {
  const { inFlight, retrying } = activities;
  inFlight.interrupted = false;
  const run: RunSummary = state.runInProgress ?? { startedAt: new Date().toISOString(), events: 0, files: 0 };
  state.runRequested = false;
  state.runInProgress = run;
  const { limits, source, destination } = config;
  const { scopeSlug: slug, scopeId, objectUrlBase } = connectorFactsOf(config);
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
    const result = inFlight.run(
      () =>
        activities.fetch.executeWithOptions({ ...activities.fetchOptions, summary: `fetch ${slug} since ${progress.watermark ?? 'the beginning'}` }, [
          fetchInputFor(source, limits, progress),
        ]),
      scope,
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
      retrying.clear('fetch');
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
        const mapInput: MapInput = {
          ...records,
          source: { type: source.type, scopeId },
          maxEventsPerFile: limits.maxEventsPerFile,
          maxBytesPerFile: limits.maxBytesPerFile,
        };
        const label = `map ${summary.count} events to OCSF (${firstSeq}-${lastSeq})`;
        const mapped = await inFlight.run(() =>
          mappingLocally
            ? activities.mapLocally.executeWithOptions({ ...activities.localOptions, summary: label }, [{ ...mapInput, output: 'zstd-base64' }])
            : activities.map.executeWithOptions({ ...activities.options, summary: label }, [mapInput]),
        );
        let seq = firstSeq;
        const objects = mapped.files.map(({ bytes: _bytes, ...file }) => {
          const name = objectName(destination.prefix, slug, seq, seq + file.events - 1);
          seq += file.events;
          return { ...file, name };
        });
        const upload = () =>
          inFlight.run(() =>
            activities.upload.executeWithOptions(
              { ...activities.options, summary: `upload ${objects.length} object(s) to ${objectUrlBase}${objects[0]?.name}` },
              [{ destination, objects }],
            ),
          );
        for (;;) {
          try {
            await upload();
            break;
          } catch (error) {
            if (!inFlight.causedBy(error)) throw error;
            // Some of these objects may have landed. Nothing else may be written under their names, so
            // a paused run waits here and, once resumed, uploads exactly these objects again (a landed
            // one is a 412, which is success); a deleted run ends with them, its prefix stays reserved.
            pending?.cancel();
            pending = undefined;
            await condition(() => state.deleted || !state.paused);
            if (state.deleted) throw error;
            inFlight.interrupted = false;
          }
        }
        retrying.clear('upload');
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
    if (inFlight.causedBy(error)) {
      // A fetch or map cut short wrote nothing: the state is where it was, and resuming continues from it.
      finishRun(state, run, state.deleted ? 'deleted' : 'paused');
      if (!state.deleted) state.runRequested = true;
      return 'finished';
    }
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
