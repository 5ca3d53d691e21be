// How late a scheduled run starts: the time from its scheduled moment (`nextRunAt`) to the workflow task
// that begins it. The timer fires on time on the server; what delays a run is the server's and the
// worker's backlog (task queues, workflow cache, slots), so this is the figure an operator sizing a worker
// for thousands of integrations watches, and the fan-out benchmark reads. Emitted through the SDK's
// workflow meter (the worker's Prometheus endpoint), which skips replay, so a recovered history does not
// count a run twice. No command is written: existing histories replay unchanged.
import { metricMeter } from '@temporalio/workflow';

export const SCHEDULE_LAG_METRIC = 'auditflow_run_start_lag';

/** Bucket bounds (ms) for the worker's Prometheus histogram; the SDK's defaults stop at 10 s. */
export const SCHEDULE_LAG_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000];

let histogram: ReturnType<typeof metricMeter.createHistogram> | undefined;

/** Records the lag of a run due at `scheduledAt`, starting now (workflow time). */
export function recordScheduleLag(scheduledAt: string, now: number): void {
  const lag = Math.max(0, now - Date.parse(scheduledAt));
  histogram ??= metricMeter.createHistogram(
    SCHEDULE_LAG_METRIC,
    'int',
    'ms',
    'Time from a scheduled export run’s due time to the workflow task that starts it',
  );
  histogram.record(lag);
}
