// Fan-out: many small integrations on one worker process and the dev server, to see how long it takes
// until every integration has run once, how many runs complete per minute after that, how late the
// scheduled runs start (the worker's auditflow_run_start_lag histogram), and what the worker costs while
// they sleep between runs. Created through the API (its create path is part of what is measured; its
// minimum interval is 5 minutes) or, for short intervals, started directly with the Temporal client.
import { randomUUID } from 'node:crypto';
import { freePort } from '../lib/child-process';
import { orgMrn } from '../sandbox/mondoo';
import { DEFAULT_LIMITS, EXPORT_WORKFLOW_TYPE, workflowIdFor, type IntegrationConfig } from '../workflows/definitions';
import { SCHEDULE_LAG_METRIC } from '../workflows/schedule-lag';
import { median, sampleProcess } from './process-stats';
import { histogramDelta, quantile, readHistogram, type Histogram } from './prometheus';
import type { Stack } from './stack';

export interface FanoutOptions {
  integrations: number;
  intervalSeconds: number;
  /** Length of the steady-state window after every first run is done. */
  steadySeconds: number;
  /** Generated events per integration's org (small sources). */
  eventsPerIntegration?: number;
  /** `api`: POST /v1/integrations to a real API process (interval a whole number of minutes ≥ 5). */
  create?: 'api' | 'client';
  log?: (line: string) => void;
}

export interface FanoutResult {
  integrations: number;
  intervalSeconds: number;
  create: 'api' | 'client';
  startSeconds: number;
  createsPerSecond: number;
  /** From the first start request until every integration's first run has completed. */
  firstRunsSeconds: number;
  steadySeconds: number;
  runsPerMinute: number;
  /** integrations × 60 / interval: what a keeping-up system completes per minute. */
  expectedRunsPerMinute: number;
  workerCpuPercent: number;
  workerCpuMsPerRun: number;
  /** RSS once the worker polled, before any integration started. */
  workerStartRssMb: number;
  /** Median and largest RSS sampled (each second) in the steady window. */
  workerMedianRssMb: number;
  workerSteadyPeakRssMb: number;
  /** Largest RSS sampled from the worker's start (the first runs included). */
  workerPeakRssMb: number;
  temporalServerCpuPercent?: number;
  exportedEvents: number;
  /** Scheduled runs that started in the steady window, and how late (ms; Prometheus-style estimates). */
  lagRuns: number;
  lagP50Ms?: number;
  lagP99Ms?: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const roundOrUndefined = (x: number | undefined) => (x === undefined ? undefined : Math.round(x));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFanout(stack: Stack, options: FanoutOptions): Promise<FanoutResult> {
  const say = options.log ?? (() => {});
  const n = options.integrations;
  // A few orgs share the generated history; integrations read them round-robin, each to its own prefix.
  const orgCount = Math.min(n, 100);
  const fake = await stack.startFake(orgCount * (options.eventsPerIntegration ?? 5), orgCount);
  const bucket = await stack.createBucket(`bench-fanout-${Date.now().toString(36)}`);
  const taskQueue = `bench-fanout-${randomUUID()}`;
  const metricsPort = await freePort();
  const worker = await stack.startWorker(taskQueue, `worker-fanout-${n}`, { AUDITFLOW_METRICS_PORT: String(metricsPort) });
  const workerStartRssMb = worker.usage.snapshot().rssMb;
  const lagHistogram = async (): Promise<Histogram> =>
    readHistogram(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), SCHEDULE_LAG_METRIC);
  const create = options.create ?? 'client';
  const api = create === 'api' ? await stack.startApi(taskQueue) : undefined;
  const { client } = stack;
  try {
    const source = (i: number) => ({ type: 'mondoo' as const, scopeMrn: orgMrn(fake.orgs[i % orgCount]!), endpoint: fake.url, token: fake.token });
    const destination = (i: number) => ({ type: 'gcs' as const, bucket, prefix: `fanout/${i}/`, endpoint: stack.gcsUrl });
    const startOne = async (i: number): Promise<string> => {
      if (api) {
        const body = {
          name: `bench fan-out ${i}`,
          source: source(i),
          destination: destination(i),
          intervalMinutes: options.intervalSeconds / 60,
          includeHistorical: true,
        };
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${api.url}/v1/integrations`, {
            method: 'POST',
            headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const answer = (await response.json()) as { workflowId?: string; error?: { message: string } };
          if (response.status === 201 && answer.workflowId) return answer.workflowId;
          // A 503 is the API's deadline on a busy Temporal: a client retries it (same prefix, so no double).
          if (response.status !== 503 || attempt >= 5) throw new Error(`create ${i}: ${response.status} ${JSON.stringify(answer)}`);
        }
      }
      const config: IntegrationConfig = {
        integrationId: `bench-${randomUUID()}`,
        name: `bench fan-out ${i}`,
        source: source(i),
        destination: destination(i),
        includeHistorical: true,
        createdAt: new Date().toISOString(),
        timing: { intervalMs: options.intervalSeconds * 1000, activityTimeoutMs: 60_000, retryInitialMs: 1_000, retryMaxMs: 10_000, retryMaxAttempts: 5 },
        limits: DEFAULT_LIMITS,
      };
      const handle = await client.workflow.start(EXPORT_WORKFLOW_TYPE, { taskQueue, workflowId: workflowIdFor(config.integrationId), args: [{ config }] });
      return handle.workflowId;
    };
    const workflowIds = new Set<string>();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < n; i = next++) workflowIds.add(await startOne(i));
      }),
    );
    const startSeconds = (performance.now() - started) / 1000;
    say(`fan-out ${n}: ${create === 'api' ? 'created through the API' : 'started'} in ${round(startSeconds)} s; waiting for every first run`);

    // A first run is done when its workflow's first execution closed as ContinuedAsNew (every run ends so).
    const done = new Set<string>();
    let since = new Date(Date.now() - 60_000).toISOString();
    let lastReport = Date.now();
    while (done.size < n) {
      const pollFrom = new Date().toISOString();
      for await (const info of client.workflow.list({
        query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "ContinuedAsNew" AND CloseTime >= "${since}"`,
      })) {
        if (workflowIds.has(info.workflowId)) done.add(info.workflowId);
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
    const lagAtStart = await lagHistogram();
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
    const lag = histogramDelta(await lagHistogram(), lagAtStart);
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
      create,
      startSeconds: round(startSeconds),
      createsPerSecond: round(n / startSeconds),
      firstRunsSeconds: round(firstRunsSeconds),
      steadySeconds: round(wall),
      runsPerMinute: Math.round((runs / wall) * 60),
      expectedRunsPerMinute: Math.round((n * 60) / options.intervalSeconds),
      workerCpuPercent: round((cpu / wall) * 100),
      workerCpuMsPerRun: runs > 0 ? Math.round((cpu * 1000) / runs) : 0,
      workerStartRssMb: round(workerStartRssMb),
      workerMedianRssMb: round(median(rss)),
      workerSteadyPeakRssMb: round(Math.max(0, ...rss)),
      workerPeakRssMb: round(usage.peakRssMb),
      temporalServerCpuPercent: serverCpu === undefined ? undefined : round((serverCpu / wall) * 100),
      exportedEvents,
      lagRuns: lag.count,
      lagP50Ms: roundOrUndefined(quantile(lag, 0.5)),
      lagP99Ms: roundOrUndefined(quantile(lag, 0.99)),
    };
  } finally {
    // The workflows die with the in-memory dev server; a shared one (tests) keeps them until retention.
    await api?.proc.stop();
    await worker.stop();
    await fake.proc.stop();
  }
}
