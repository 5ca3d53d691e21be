// Backfill: N events through the full stack (API → Temporal → worker process → GCS emulator), and the
// same N through the direct pipeline in the same run, against the same fake source in its own process.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import type { IntegrationDetail } from '../api/schemas/integration';
import { DEFAULT_BODY_LIMIT_BYTES } from '../api/settings';
import { connectApiClient } from '../api/temporal-client';
import { createLogger } from '../lib/logger';
import { orgMrn } from '../sandbox/mondoo';
import { workflowIdFor } from '../workflows/definitions';
import { checkTiling, type Tiling } from './completeness';
import { runDirectPipeline } from './direct-pipeline';
import { historyStats, type HistoryStats } from './history';
import { sampleProcess } from './process-stats';
import type { Stack } from './stack';

export interface BackfillResult {
  events: number;
  temporal: {
    seconds: number;
    wallSeconds: number;
    eventsPerSecond: number;
    files: number;
    workerPeakRssMb: number;
    workerHwmMb: number;
    /** RSS once the worker polled (after bundling the workflow code), before the run. */
    workerStartRssMb: number;
    workerCpuSeconds: number;
    /** workerCpuSeconds by thread name (bench/process-stats.ts threadCpuSeconds). */
    workerCpuByThread?: Record<string, number>;
    /** CPU of the dev server and of the fake source during the Temporal run, for where the time goes. */
    temporalServerCpuSeconds?: number;
    sourceCpuSeconds: number;
    tiling: Tiling;
    history: HistoryStats;
  };
  direct: {
    seconds: number;
    eventsPerSecond: number;
    files: number;
    benchProcessCpuSeconds: number;
    benchProcessCpuByThread?: Record<string, number>;
    sourceCpuSeconds: number;
    /** Median milliseconds per batch of each step. */
    stepMedianMs: { fetch: number; map?: number; upload: number };
    tiling: Tiling;
  };
  /** Temporal events/s ÷ direct events/s, both measured in this run. */
  ratio: number;
}

const TOKEN = 'bench-token';
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runBackfill(
  stack: Stack,
  events: number,
  options: { log?: (line: string) => void; historySample?: number } = {},
): Promise<BackfillResult> {
  const say = options.log ?? (() => {});
  const fake = await stack.startFake(events, 1);
  const scopeMrn = orgMrn(fake.orgs[0]!);
  const suffix = `${events}-${Date.now().toString(36)}`;
  const [temporalBucket, directBucket] = await Promise.all([stack.createBucket(`bench-temporal-${suffix}`), stack.createBucket(`bench-direct-${suffix}`)]);
  try {
    const taskQueue = `bench-backfill-${suffix}`;
    const worker = await stack.startWorker(taskQueue, `worker-backfill-${events}`);
    const api = await startApi(stack, taskQueue);
    const startRss = worker.usage.snapshot().rssMb;
    const serverUsage = stack.temporalPid ? sampleProcess(stack.temporalPid, 1_000) : undefined;
    const sourceUsage = sampleProcess(fake.proc.child.pid!, 1_000);
    let detail: IntegrationDetail;
    const wallStart = performance.now();
    try {
      const created = await api.request('POST', '/v1/integrations', {
        name: `bench backfill ${events}`,
        source: { type: 'mondoo', scopeMrn, endpoint: fake.url, token: fake.token },
        destination: { type: 'gcs', bucket: temporalBucket, prefix: 'bench/', endpoint: stack.gcsUrl },
        intervalMinutes: 60,
        includeHistorical: true,
      });
      if (created.status !== 201) throw new Error(`create integration: ${created.status} ${JSON.stringify(created.body)}`);
      const id = (created.body as { id: string }).id;
      say(`backfill ${events}: integration ${id} created; waiting for its first run`);
      detail = await waitForRun(api, id, events, say);
    } finally {
      await api.close();
    }
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const usage = worker.usage.stop();
    const serverCpu = serverUsage?.stop().cpuSeconds;
    const sourceCpu = sourceUsage.stop().cpuSeconds;
    await worker.stop();
    const lastRun = detail.lastRun!;
    const seconds = (Date.parse(lastRun.finishedAt!) - Date.parse(lastRun.startedAt)) / 1000;
    const tiling = await checkTiling(stack.storage, temporalBucket, 'bench/', events);
    say(`backfill ${events}: Temporal ${round(seconds)} s; reading history sizes`);
    const history = await historyStats(stack.client, detail.workflowId ?? workflowIdFor(detail.id), options.historySample);

    say(`backfill ${events}: direct pipeline`);
    const directSource = sampleProcess(fake.proc.child.pid!, 1_000);
    const directSelf = sampleProcess(process.pid, 1_000);
    const direct = await runDirectPipeline(
      { type: 'mondoo', scopeMrn, endpoint: fake.url, token: fake.token },
      { type: 'gcs', bucket: directBucket, prefix: 'bench/', endpoint: stack.gcsUrl },
    );
    const directSourceCpu = directSource.stop().cpuSeconds;
    const { cpuSeconds: directSelfCpu, cpuByThread: directSelfByThread } = directSelf.stop();
    const directTiling = await checkTiling(stack.storage, directBucket, 'bench/', events);
    const temporalRate = lastRun.events / seconds;
    const directRate = direct.events / direct.seconds;
    return {
      events,
      temporal: {
        seconds: round(seconds),
        wallSeconds: round(wallSeconds),
        eventsPerSecond: Math.round(temporalRate),
        files: lastRun.files,
        workerPeakRssMb: round(usage.peakRssMb),
        workerHwmMb: round(usage.hwmMb),
        workerStartRssMb: round(startRss),
        workerCpuSeconds: round(usage.cpuSeconds),
        workerCpuByThread: usage.cpuByThread,
        temporalServerCpuSeconds: serverCpu === undefined ? undefined : round(serverCpu),
        sourceCpuSeconds: round(sourceCpu),
        tiling,
        history,
      },
      direct: {
        seconds: round(direct.seconds),
        eventsPerSecond: Math.round(directRate),
        files: direct.files,
        benchProcessCpuSeconds: round(directSelfCpu),
        benchProcessCpuByThread: directSelfByThread,
        sourceCpuSeconds: round(directSourceCpu),
        stepMedianMs: direct.stepMedianMs,
        tiling: directTiling,
      },
      ratio: round(temporalRate / directRate, 2),
    };
  } finally {
    await fake.proc.stop();
  }
}

/** Polls the real API until the integration's run completed (or failed: then it throws). */
export async function waitForRun(api: Api, id: string, events: number, say: (line: string) => void): Promise<IntegrationDetail> {
  let lastReport = 0;
  for (;;) {
    const response = await api.request('GET', `/v1/integrations/${id}`);
    const detail = response.body as IntegrationDetail;
    if (response.status === 200) {
      if (detail.lastRun?.outcome === 'completed') return detail;
      if (detail.lastRun?.outcome === 'failed' || detail.status === 'error') throw new Error(`backfill failed: ${JSON.stringify(detail.lastError)}`);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        say(`  … ${detail.totals?.events ?? 0} of ${events} events exported`);
      }
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export interface Api {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** The real API in-process (createApp with the API's own client factory), on a free port. */
export async function startApi(stack: Stack, taskQueue: string): Promise<Api> {
  const apiClient = await connectApiClient({ ...stack.settings, taskQueue }, { dataConverter: stack.dataConverter });
  const app = createApp({
    client: apiClient.client,
    log: createLogger('bench-api', 'silent'),
    settings: { taskQueue, tokens: [TOKEN], bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES },
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async request(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await apiClient.connection.close();
    },
  };
}
