// One long-lived workflow per integration, its lifecycle: export now, sleep the interval (or until the
// schedule's next calendar time), export again, until deleted. Signal handlers only flip flags; one
// wait reacts to them; every run ends in continue-as-new. One export run (batches, prefetch, history bound) is in export-run.ts.
import { condition, continueAsNew, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { connectorFactsOf } from '../contracts/legacy-inputs';
import {
  activityRetryingSignal,
  deleteSignal,
  ExportStatusAttribute,
  IntegrationNameAttribute,
  pauseSignal,
  resumeSignal,
  runNowSignal,
  statusQuery,
  type ExportState,
  type ExportStatus,
  type ExportWorkflowInput,
  type IntegrationConfig,
} from './definitions';
import { activityProxies, exportRun, finishRun } from './export-run';
import { InFlight } from './in-flight';
import { CANCEL_IN_FLIGHT_PATCH, INTEGRATION_NAME_ATTRIBUTE_PATCH } from './patches';
import { RetryStreak } from './retry-streak';
import { recordScheduleLag } from './schedule-lag';
import { nextScheduledRunAt } from './schedule';

export async function auditLogExportWorkflow(input: ExportWorkflowInput): Promise<ExportState> {
  // Inputs from before connectors get their facts derived once; continue-as-new then carries them.
  const config: IntegrationConfig = { ...input.config, connectorFacts: connectorFactsOf(input.config) };
  const facts = connectorFactsOf(config);
  const state: ExportState = input.state ?? initialState(config);
  const activities = activityProxies(config);
  // Asked once, first thing: executions that began before the patch keep waiting for their activities.
  const inFlight = new InFlight(patched(CANCEL_IN_FLIGHT_PATCH));
  // Search attributes pass to the next execution by themselves; an integration created before the API
  // set its name gets it here, once, and keeps it from then on.
  if (workflowInfo().typedSearchAttributes.get(IntegrationNameAttribute) === undefined && patched(INTEGRATION_NAME_ATTRIBUTE_PATCH)) {
    upsertSearchAttributes([{ key: IntegrationNameAttribute, value: config.name }]);
  }
  let running = false;
  /** A run that starts because a pause ended, however late its schedule, is not a late run. */
  let resumed = false;
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
      // Only a run its timer started is "late"; a resumed, requested or continued run is not on a schedule.
      if (state.nextRunAt !== undefined && !state.runInProgress && !state.runRequested && !resumed) recordScheduleLag(state.nextRunAt, Date.now());
      running = true;
      const outcome = await exportRun(config, state, { ...activities, inFlight, retrying }, publishStatus);
      running = false;
      retrying.clear();
      publishStatus();
      if (outcome === 'continue-mid-run') {
        await continueAsNew<typeof auditLogExportWorkflow>({ config, state });
      }
      if (state.deleted) continue; // ends at the top of the loop, without another execution
      // A calendar schedule counts from the end of the run too: the next calendar time after it.
      state.nextRunAt = config.schedule ? nextScheduledRunAt(config.schedule, Date.now()) : new Date(Date.now() + config.timing.intervalMs).toISOString();
      await continueAsNew<typeof auditLogExportWorkflow>({ config, state });
    }
    if (state.paused) {
      // A resume after the scheduled time has passed runs at once; otherwise the schedule holds.
      await condition(() => state.deleted || !state.paused);
      resumed = true;
    } else {
      const wake = () => state.deleted || state.paused || state.runRequested;
      const waitMs = Math.max(0, Date.parse(state.nextRunAt ?? new Date().toISOString()) - Date.now());
      await condition(wake, waitMs, { summary: `next export ${state.nextRunAt}` });
    }
  }
}

function statusOf(state: ExportState): ExportStatus {
  if (state.deleted) return 'deleted';
  if (state.paused) return 'paused';
  // Cleared only by a run that completes, so an error stays visible until the export works again.
  if (state.lastError) return 'error';
  return 'active';
}

/** The whole second before `time`'s second: a watermark there makes the export start at `time`'s second. */
function secondBefore(time: string): string {
  return new Date((Math.floor(Date.parse(time) / 1000) - 1) * 1000).toISOString().replace('.000Z', 'Z');
}

function initialState(config: IntegrationConfig): ExportState {
  return {
    progress: {
      // From backfillFrom's second on if given; else everything, or from the integration's creation.
      watermark: config.backfillFrom ? secondBefore(config.backfillFrom) : config.includeHistorical ? null : config.createdAt.replace(/\.\d+Z$/, 'Z'),
      recentKeys: {},
      nextSeq: 1,
      totals: { events: 0, files: 0 },
    },
    paused: false,
    deleted: false,
    runRequested: true,
  };
}
