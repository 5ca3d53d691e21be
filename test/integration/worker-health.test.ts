// The worker's probes for Kubernetes-style orchestration: /healthz (alive) and /readyz (polling, and
// Temporal answers now), served beside its metrics. Temporal is made unresponsive with a stalling proxy.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../lib/child-process';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

async function probe(url: string): Promise<{ status: number; body: { status: string; worker?: string; reason?: string } }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as { status: string; worker?: string; reason?: string } };
}

describe('worker health probes', () => {
  let proxy: StallProxy | undefined;
  let worker: WorkerProcess | undefined;
  afterAll(async () => {
    proxy?.resume();
    await worker?.proc.stop();
    await proxy?.close();
  });

  it('/healthz stays 200 while /readyz follows whether Temporal answers', async () => {
    proxy = await startStallProxy(inject('temporalAddress'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    worker = await startWorkerProcess(`health-${randomUUID()}`, { AUDITFLOW_HEALTH_PORT: String(port), TEMPORAL_ADDRESS: proxy.address });

    await expect.poll(async () => (await probe(`${base}/readyz`)).status, { timeout: 30_000, interval: 500 }).toBe(200);
    expect(await probe(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok', worker: 'RUNNING' } });

    proxy.stall();
    const notReady = await probe(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body.reason).toMatch(/^Temporal does not answer/);
    expect((await probe(`${base}/healthz`)).status).toBe(200);

    proxy.resume();
    await expect.poll(async () => (await probe(`${base}/readyz`)).status, { timeout: 30_000, interval: 500 }).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });
});
