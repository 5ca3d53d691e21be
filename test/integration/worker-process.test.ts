// The worker as operators run it: one JSON log stream and Prometheus metrics of the export's progress.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/child-process';
import { deleteSignal } from '../../workflows/definitions';
import { createFakeMondoo, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

describe('the worker process', () => {
  let env: TestEnv;
  let mondoo: FakeMondoo;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ generated: { count: 600, start: '2025-04-01T00:00:00Z', perSecond: 4, seed: 8 } });
  });
  afterAll(async () => {
    await worker?.kill();
    await mondoo?.close();
    await env?.close();
  });

  it('serves Prometheus metrics that count what it exported, and logs JSON lines only', async () => {
    const taskQueue = `metrics-${randomUUID()}`;
    const metricsPort = await freePort();
    worker = await startWorkerProcess(taskQueue, { AUDITFLOW_METRICS_PORT: String(metricsPort) });
    const lines: string[] = [];
    worker.proc.child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));

    const scopeMrn = spaceMrn('acme-production-4kd9s2');
    const bucket = await createTestBucket();
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket, limits: { maxEventsPerFile: 50 } });
    const handle = await startExport(env, config, taskQueue);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    const exported = await readExport(bucket);
    expect(exported.keys.length).toBe(expectedKeys(mondoo.store.all(scopeMrn)).length);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const total = (name: string) =>
      metrics
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && line.includes(`taskQueue="${taskQueue}"`))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(total('auditflow_events_exported')).toBe(done.totals.events);
    expect(total('auditflow_objects_written')).toBe(exported.names.length);
    expect(metrics).toContain('temporal_activity_execution_latency');

    // SDK lines (activity logger included) arrive as pino JSON, like ours.
    const parsed = lines.map((line) => JSON.parse(line) as { msg: string; sdk?: boolean });
    expect(parsed.some((entry) => entry.sdk && entry.msg === 'fetched')).toBe(true);
    await handle.signal(deleteSignal);
  });
});
