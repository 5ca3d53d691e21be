// Idle integrations: N integrations on one worker with an interval far longer than the bench, so after
// their first run each is one cached workflow waiting on its timer. What that costs the worker in memory:
// its RSS before any integration, and over a window once every first run is done (the workflow cache,
// AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS, is what grows with N).
import { runFanout } from './fanout';
import type { Stack } from './stack';

export interface IdleResult {
  integrations: number;
  windowSeconds: number;
  /** AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS as the worker got it; unset: the SDK's default, from the heap limit. */
  cachedWorkflows: string;
  firstRunsSeconds: number;
  /** RSS once the worker polled, before any integration started. */
  workerStartRssMb: number;
  /** Largest RSS from the worker's start through the first runs and the window. */
  workerPeakRssMb: number;
  /** Median and largest RSS sampled each second in the window. */
  windowMedianRssMb: number;
  windowPeakRssMb: number;
  workerCpuPercent: number;
}

/** A day: no scheduled run falls in the window, so the window sees only idle (cached or evicted) workflows. */
const IDLE_INTERVAL_SECONDS = 86_400;

export async function runIdle(stack: Stack, options: { integrations: number; windowSeconds: number; log?: (line: string) => void }): Promise<IdleResult> {
  const f = await runFanout(stack, {
    integrations: options.integrations,
    intervalSeconds: IDLE_INTERVAL_SECONDS,
    steadySeconds: options.windowSeconds,
    create: 'client',
    log: options.log,
  });
  return {
    integrations: f.integrations,
    windowSeconds: f.steadySeconds,
    cachedWorkflows: process.env.AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS || 'default',
    firstRunsSeconds: f.firstRunsSeconds,
    workerStartRssMb: f.workerStartRssMb,
    workerPeakRssMb: f.workerPeakRssMb,
    windowMedianRssMb: f.workerMedianRssMb,
    windowPeakRssMb: f.workerSteadyPeakRssMb,
    workerCpuPercent: f.workerCpuPercent,
  };
}
