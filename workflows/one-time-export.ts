// A one-time export of a time range: the same fetch → map → upload run as an integration's
// (export-run.ts), every fetch bounded by the range, repeated until the range is settled. Its last pass
// starts only once the source's late-arrival window past `to` has gone by, so an event stamped inside
// the range that becomes visible late is still exported; then the workflow completes.
import { condition, continueAsNew, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { activityRetryingSignal, ExportStatusAttribute, type ExportState } from './definitions';
import { activityProxies, exportRun, finishRun } from './export-run';
import { InFlight } from './in-flight';
import {
  cancelExportSignal,
  oneTimeExportStatusQuery,
  type OneTimeExportConfig,
  type OneTimeExportInput,
  type OneTimeExportStatus,
  type OneTimeExportView,
} from './one-time-export-definitions';
import { RetryStreak } from './retry-streak';

/**
 * Cloud Audit Logs vouches for a settled second up to one second early (sub-second timestamps), so
 * the last pass starts a second after `to` + the late-arrival window.
 */
const LAST_PASS_MARGIN_MS = 1_000;

export async function oneTimeExportWorkflow(input: OneTimeExportInput): Promise<OneTimeExportView> {
  const { config } = input;
  const state: ExportState = input.state ?? initialState(config);
  const activities = activityProxies(config);
  // A new workflow type: no execution predates the cancel-in-flight behaviour.
  const inFlight = new InFlight(true);
  const retrying = new RetryStreak(
    `${config.name} · ${config.connectorFacts?.scopeId ?? ''} → ${config.connectorFacts?.objectUrlBase ?? ''}${config.destination.prefix}`,
  );
  const toMs = Date.parse(config.range.to);
  const lastPassAt = toMs + config.limits.lateArrivalSeconds * 1000 + LAST_PASS_MARGIN_MS;
  let running = false;
  let status: OneTimeExportStatus = 'running';

  let published: OneTimeExportStatus | undefined;
  const publish = () => {
    if (status !== published) {
      upsertSearchAttributes([{ key: ExportStatusAttribute, value: status }]);
      published = status;
    }
  };
  const view = (): OneTimeExportView => ({
    status,
    progress: state.progress.totals,
    watermark: state.progress.watermark,
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(retrying.view() ? { retrying: retrying.view() } : {}),
    ...(status === 'running' && Date.now() < lastPassAt ? { lastPassAt: new Date(lastPassAt).toISOString() } : {}),
  });

  setHandler(cancelExportSignal, () => {
    // `deleted` is how the run knows to stop (export-run.ts): it ends where it is, objects stay.
    state.deleted = true;
    inFlight.cancelAll();
    retrying.clear();
  });
  setHandler(activityRetryingSignal, (report) => {
    if (running && !state.deleted) retrying.report(report);
  });
  setHandler(oneTimeExportStatusQuery, view);
  publish();

  for (;;) {
    if (state.deleted) {
      if (state.runInProgress) finishRun(state, state.runInProgress, 'deleted');
      status = 'cancelled';
      break;
    }
    // The pass that starts now settles everything up to now − the window: done when that covers the range.
    const final = Date.now() >= lastPassAt;
    running = true;
    const outcome = await exportRun(config, state, { ...activities, inFlight, retrying }, () => undefined);
    running = false;
    retrying.clear();
    if (outcome === 'continue-mid-run') await continueAsNew<typeof oneTimeExportWorkflow>({ config, state });
    if (state.deleted) continue;
    if (state.lastRun?.outcome === 'failed') {
      status = 'failed';
      break;
    }
    if (final && covers(state.progress.watermark, toMs)) {
      status = 'completed';
      break;
    }
    // Every event of the range visible so far is exported; wait out the late-arrival window past `to`.
    const waitMs = Math.max(LAST_PASS_MARGIN_MS, lastPassAt - Date.now());
    await condition(() => state.deleted, waitMs, { summary: `last pass at ${new Date(lastPassAt).toISOString()}` });
  }
  publish();
  return view();
}

/** Whether watermark W (every event of a second ≤ W exported) covers every instant before `toMs`. */
function covers(watermark: string | null, toMs: number): boolean {
  return watermark !== null && Date.parse(watermark) + 1000 >= toMs;
}

/** The whole second before `from`'s second: the run reads from that second on (the fetch drops what precedes `from`). */
function initialState(config: OneTimeExportConfig): ExportState {
  const second = Math.floor(Date.parse(config.range.from) / 1000) - 1;
  return {
    progress: { watermark: new Date(second * 1000).toISOString().replace('.000Z', 'Z'), recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } },
    paused: false,
    deleted: false,
    runRequested: true,
  };
}
