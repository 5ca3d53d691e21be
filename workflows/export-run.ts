// One export run: fetch → map → upload, batch after batch, until the source has nothing new or the
// execution's history bound is reached (then the lifecycle, export-workflow.ts, continues as new and
// the run goes on in the next execution). The watermark moves only after an upload is durable.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FetchResult, FetchResultMapped, FetchResultWithEvents, MapInput, MapResult, UploadResult } from '../contracts/activities';
import type { UploadEvidence } from '../contracts/evidence';
import { connectorFactsOf } from '../contracts/legacy-inputs';
import type { ExportProgress, ExportState, IntegrationConfig, RunSummary } from './definitions';
import type { InFlight } from './in-flight';
import { isPrefixTemplate, manifestName, objectName, staticPrefixOf } from './object-names';
import {
  DATED_PREFIX_PATCH,
  EVIDENCE_CHAIN_PATCH,
  HISTORY_BOUND_2MB_PATCH,
  MAP_IN_FETCH_PATCH,
  MAP_LOCAL_ACTIVITY_PATCH,
  PREFETCH_NEXT_BATCH_PATCH,
} from './patches';
import { advanceProgress, batchSummary, fetchInputFor, mapToFor } from './progress';
import type { RetryStreak } from './retry-streak';

export type RunOutcome = 'finished' | 'continue-mid-run';
interface PendingFetch {
  result: Promise<FetchResult | FetchResultWithEvents | FetchResultMapped>;
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
export async function exportRun(
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
  const prefetching = patched(PREFETCH_NEXT_BATCH_PATCH);
  // From this version on the map runs as a local activity in the workflow task that receives the
  // batch (one server round trip less per batch, and its input is not written to history again), and
  // the history bound (3 MB) counts the next batch in, since batches grew to several hundred KB each.
  const mappingLocally = patched(MAP_LOCAL_ACTIVITY_PATCH);
  const boundAt2mb = patched(HISTORY_BOUND_2MB_PATCH);
  // From this version on the fetch maps its batch and returns the OCSF files (FetchInput.mapTo): the
  // records are parsed once, and the batch crosses the worker's thread and history once before the upload
  // instead of three times (fetch result, the map's input and its marker).
  const mappingInFetch = patched(MAP_IN_FETCH_PATCH);
  // From this version on each upload writes object metadata and the batch's signed manifest (issue 17).
  const chaining = patched(EVIDENCE_CHAIN_PATCH);
  // A `%` in the prefix was taken literally before %Y %m %d %H were filled in: an execution that began
  // so keeps its names (asked only for such a prefix, so no other history gains a marker).
  const datedPrefix = isPrefixTemplate(destination.prefix) && patched(DATED_PREFIX_PATCH);
  const { compression } = destination;
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
          {
            ...fetchInputFor(source, limits, progress, config.filters, config.range),
            ...(mappingInFetch ? { mapTo: mapToFor(limits, scopeId) } : {}),
          },
        ]),
      scope,
    );
    // A cancelled prefetch is never awaited; its rejection must not count as unhandled.
    result.catch(() => undefined);
    return { result, cancel: () => scope.cancel() };
  };
  let pending: PendingFetch | undefined;
  /** Ends the run where a pause or delete stopped it, with nothing of the current batch written. */
  const stopInterrupted = (): RunOutcome => {
    pending?.cancel();
    finishRun(state, run, state.deleted ? 'deleted' : 'paused');
    if (!state.deleted) state.runRequested = true; // resume continues the interrupted run
    return 'finished';
  };
  try {
    for (;;) {
      if (!pending) {
        // Pause and delete take effect before a fetch starts: a fetched batch is always finished.
        if (state.deleted || state.paused) return stopInterrupted();
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
      let uploaded: UploadResult | undefined;
      if (summary.count > 0) {
        const firstSeq = state.progress.nextSeq;
        const lastSeq = firstSeq + summary.count - 1;
        const mapSeparately = (unmapped: FetchResult | FetchResultWithEvents): Promise<MapResult> => {
          const records = 'events' in unmapped ? { events: unmapped.events } : { eventsZstdBase64: unmapped.eventsZstdBase64 };
          const mapInput: MapInput = {
            ...records,
            source: { type: source.type, scopeId },
            maxEventsPerFile: limits.maxEventsPerFile,
            maxBytesPerFile: limits.maxBytesPerFile,
          };
          const label = `map ${summary.count} events to OCSF (${firstSeq}-${lastSeq})`;
          return inFlight.run(() =>
            mappingLocally
              ? activities.mapLocally.executeWithOptions({ ...activities.localOptions, summary: label }, [{ ...mapInput, output: 'zstd-base64' }])
              : activities.map.executeWithOptions({ ...activities.options, summary: label }, [mapInput]),
          );
        };
        const mapped = 'files' in batch ? batch : await mapSeparately(batch);
        // An activity's result can arrive in the same activation as the pause that cancelled it (Temporal
        // orders signals first): it must not start an upload the pause said would not run.
        if (inFlight.cancels && (state.paused || state.deleted)) return stopInterrupted();
        let seq = firstSeq;
        const objects = mapped.files.map(({ bytes: _bytes, ...file }) => {
          const firstEventAt = datedPrefix ? firstEventTimeOf(file, batch.settledThrough) : undefined;
          const name = objectName(destination.prefix, slug, seq, seq + file.events - 1, { compression, firstEventAt });
          seq += file.events;
          return { ...file, name };
        });
        const evidence = chaining ? evidenceFor(config, state, firstSeq, lastSeq, datedPrefix) : undefined;
        const upload = () =>
          inFlight.run(() =>
            activities.upload.executeWithOptions(
              { ...activities.uploadOptions, summary: `upload ${objects.length} object(s) to ${objectUrlBase}${objects[0]?.name}` },
              [{ destination, objects, ...(evidence ? { evidence } : {}) }],
            ),
          );
        for (;;) {
          try {
            uploaded = await upload();
            break;
          } catch (error) {
            if (!inFlight.causedBy(error)) throw error;
            // Some of these objects may have landed. Nothing else may be written under their names, so
            // a paused run waits here and, once resumed, uploads exactly these objects again (a landed
            // one is a 412, which is success); a deleted run ends with them, its prefix stays reserved
            // (the objects that landed stay and continue the sequence; the state's totals do not count them).
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
      // The upload is durable, its manifest too: only now does the watermark move.
      state.progress = advanceProgress(state.progress, summary);
      if (uploaded?.manifest) state.lastManifest = uploaded.manifest;
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
    // A fetch or map cut short wrote nothing: the state is where it was, and resuming continues from it.
    if (inFlight.causedBy(error)) return stopInterrupted();
    pending?.cancel();
    const failure = describeFailure(error);
    log.warn('export run failed', { integrationId: config.integrationId, kind: failure.kind, message: failure.message });
    state.lastError = { message: failure.message, at: new Date().toISOString(), kind: failure.kind };
    finishRun(state, run, 'failed');
    return 'finished';
  }
}

/** What the upload needs to write the batch's evidence; `createdAt` is workflow time, so every retry signs the same manifest. */
function evidenceFor(config: IntegrationConfig, state: ExportState, firstSeq: number, lastSeq: number, datedPrefix = false): UploadEvidence {
  const { scopeSlug, scopeId } = connectorFactsOf(config);
  return {
    integrationId: config.integrationId,
    sourceType: config.source.type,
    scopeSlug,
    scopeId,
    firstSeq,
    // A batch's objects may fall into several date partitions: its manifest sits above them all.
    manifestName: manifestName(datedPrefix ? staticPrefixOf(config.destination.prefix) : config.destination.prefix, scopeSlug, firstSeq, lastSeq),
    previous: state.lastManifest ?? null,
    createdAt: new Date().toISOString(),
  };
}

/**
 * The time that fills a dated prefix. A file without one (a source whose events carry no time) falls
 * back to the batch's settled time, which is recorded in history: still the same name on every retry.
 */
function firstEventTimeOf(file: { firstEventAt?: string }, settledThrough: string): string {
  return file.firstEventAt ?? new Date(Date.parse(settledThrough)).toISOString();
}

export function finishRun(state: ExportState, run: RunSummary, outcome: NonNullable<RunSummary['outcome']>): void {
  state.lastRun = { ...run, finishedAt: new Date().toISOString(), outcome };
  state.runInProgress = undefined;
}

/**
 * Only an activity that failed for good ends a run with status `error`. Anything else is a bug in
 * this code: rethrown, it fails the workflow task, which Temporal retries until a fixed worker runs.
 */
function describeFailure(error: unknown): { message: string; kind?: string } {
  if (isCancellation(error)) throw error;
  // The map, a local activity, fails with its own ApplicationFailure, not wrapped in an ActivityFailure
  // (test/integration/failing-map.test.ts). Rethrown, an ApplicationFailure would fail the execution and
  // end the integration: it ends the run instead, as any activity's failure does.
  if (error instanceof ApplicationFailure) return { message: error.message, kind: error.type ?? undefined };
  if (!(error instanceof ActivityFailure)) throw error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return { message: cause.message, kind: cause.type ?? undefined };
  return { message: cause?.message ?? error.message, kind: cause?.name };
}

export function activityProxies(config: IntegrationConfig) {
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
  // The fetch heartbeats per page, the upload on a timer (activities/keep-alive.ts), so a killed worker's
  // attempt is retried after 30 s, not after the start-to-close timeout (5 min). The heartbeat timeout is
  // no part of the determinism check (activity id and type are), so executions scheduled without replay.
  const fetchOptions: ActivityOptions = { ...options, heartbeatTimeout: Math.min(timing.activityTimeoutMs, 30_000) };
  const uploadOptions: ActivityOptions = { ...fetchOptions };
  const localOptions: LocalActivityOptions = { startToCloseTimeout: timing.activityTimeoutMs, retry: options.retry };
  const { fetch, map, upload } = proxyActivities<Activities>(options);
  const { map: mapLocally } = proxyLocalActivities<Activities>(localOptions);
  return { fetch, map, mapLocally, upload, options, fetchOptions, uploadOptions, localOptions };
}
