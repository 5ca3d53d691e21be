// Fan-out: many small integrations on one worker process and the dev server. Started directly with the
// Temporal client (the API's minimum interval is 5 minutes) with a short interval, to see how long it
// takes until every integration has run once, how many runs complete per minute after that, and what
// the worker costs while they sleep between runs.
import { randomUUID } from 'node:crypto';
import { orgMrn } from '../sandbox/mondoo';
import { DEFAULT_LIMITS, EXPORT_WORKFLOW_TYPE, workflowIdFor, type IntegrationConfig } from '../workflows/definitions';
import { median, sampleProcess } from './process-stats';
import type { Stack } from './stack';

export interface FanoutOptions {
  integrations: number;
  intervalSeconds: number;
  /** Length of the steady-state window after every first run is done. */
  steadySeconds: number;
  /** Generated events per integration's org (small sources). */
  eventsPerIntegration?: number;
  log?: (line: string) => void;
}

export interface FanoutResult {
  integrations: number;
  intervalSeconds: number;
  startSeconds: number;
  /** From the first start request until every integration's first run has completed. */
  firstRunsSeconds: number;
  steadySeconds: number;
  runsPerMinute: number;
  /** integrations × 60 / interval: what a keeping-up system completes per minute. */
  expectedRunsPerMinute: number;
  workerCpuPercent: number;
  workerCpuMsPerRun: number;
  workerMedianRssMb: number;
  workerPeakRssMb: number;
  temporalServerCpuPercent?: number;
  exportedEvents: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFanout(stack: Stack, options: FanoutOptions): Promise<FanoutResult> {
  const say = options.log ?? (() => {});
  const n = options.integrations;
  // A few orgs share the generated history; integrations read them round-robin, each to its own prefix.
  const orgCount = Math.min(n, 100);
  const fake = await stack.startFake(orgCount * (options.eventsPerIntegration ?? 5), orgCount);
  const bucket = await stack.createBucket(`bench-fanout-${Date.now().toString(36)}`);
  const taskQueue = `bench-fanout-${randomUUID()}`;
  const worker = await stack.startWorker(taskQueue, `worker-fanout-${n}`);
  const { client } = stack;
  try {
    const configs = Array.from({ length: n }, (_, i): IntegrationConfig => ({
      integrationId: `bench-${randomUUID()}`,
      name: `bench fan-out ${i}`,
      source: { type: 'mondoo', scopeMrn: orgMrn(fake.orgs[i % orgCount]!), endpoint: fake.url, token: fake.token },
      destination: { type: 'gcs', bucket, prefix: `fanout/${i}/`, endpoint: stack.gcsUrl },
      includeHistorical: true,
      createdAt: new Date().toISOString(),
      timing: { intervalMs: options.intervalSeconds * 1000, activityTimeoutMs: 60_000, retryInitialMs: 1_000, retryMaxMs: 10_000, retryMaxAttempts: 5 },
      limits: DEFAULT_LIMITS,
    }));
    const firstRunIds = new Map<string, string>();
    const started = performance.now();
    const queue = [...configs];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let config = queue.shift(); config; config = queue.shift()) {
          const handle = await client.workflow.start(EXPORT_WORKFLOW_TYPE, { taskQueue, workflowId: workflowIdFor(config.integrationId), args: [{ config }] });
          firstRunIds.set(handle.firstExecutionRunId, handle.workflowId);
        }
      }),
    );
    const startSeconds = (performance.now() - started) / 1000;
    say(`fan-out ${n}: started in ${round(startSeconds)} s; waiting for every first run`);

    // A first run is done when its execution closed as ContinuedAsNew (every run ends so).
    const done = new Set<string>();
    let since = new Date(Date.now() - 60_000).toISOString();
    let lastReport = Date.now();
    while (done.size < n) {
      const pollFrom = new Date().toISOString();
      for await (const info of client.workflow.list({
        query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "ContinuedAsNew" AND CloseTime >= "${since}"`,
      })) {
        if (firstRunIds.has(info.runId)) done.add(info.runId);
      }
      since = new Date(Date.parse(pollFrom) - 5_000).toISOString();
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        say(`  … ${done.size} of ${n} first runs done`);
      }
      if (done.size < n) await sleep(1_000);
    }
    const firstRunsSeconds = (performance.now() - started) / 1000;
    say(`fan-out ${n}: every first run done after ${round(firstRunsSeconds)} s; steady state for ${options.steadySeconds} s`);

    const windowStart = new Date();
    const cpuAtStart = worker.usage.snapshot().cpuSeconds;
    const server = stack.temporalPid ? sampleProcess(stack.temporalPid, 1_000) : undefined;
    const rss: number[] = [];
    const steadyStarted = performance.now();
    while (performance.now() - steadyStarted < options.steadySeconds * 1000) {
      await sleep(1_000);
      rss.push(worker.usage.snapshot().rssMb);
    }
    const wall = (performance.now() - steadyStarted) / 1000;
    const cpu = worker.usage.snapshot().cpuSeconds - cpuAtStart;
    const serverCpu = server?.stop().cpuSeconds;
    const { count: runs } = await client.workflow.count(
      `TaskQueue = "${taskQueue}" AND ExecutionStatus = "ContinuedAsNew" AND CloseTime >= "${windowStart.toISOString()}"`,
    );
    const usage = worker.usage.stop();
    const [files] = await stack.storage.bucket(bucket).getFiles({ prefix: 'fanout/' });
    let exportedEvents = 0;
    for (const file of files) {
      const match = /-(\d+)-(\d+)\.jsonl$/.exec(file.name);
      if (match) exportedEvents += Number(match[2]) - Number(match[1]) + 1;
    }
    return {
      integrations: n,
      intervalSeconds: options.intervalSeconds,
      startSeconds: round(startSeconds),
      firstRunsSeconds: round(firstRunsSeconds),
      steadySeconds: round(wall),
      runsPerMinute: Math.round((runs / wall) * 60),
      expectedRunsPerMinute: Math.round((n * 60) / options.intervalSeconds),
      workerCpuPercent: round((cpu / wall) * 100),
      workerCpuMsPerRun: runs > 0 ? Math.round((cpu * 1000) / runs) : 0,
      workerMedianRssMb: round(median(rss)),
      workerPeakRssMb: round(usage.peakRssMb),
      temporalServerCpuPercent: serverCpu === undefined ? undefined : round((serverCpu / wall) * 100),
      exportedEvents,
    };
  } finally {
    // The workflows die with the in-memory dev server; a shared one (tests) keeps them until retention.
    await worker.stop();
    await fake.proc.stop();
  }
}
