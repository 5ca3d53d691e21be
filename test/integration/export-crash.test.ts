// Crash safety: the worker process is SIGKILLed mid-backfill, again and again; nothing is lost or doubled.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSignal } from '../../workflows/definitions';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

describe('a worker killed mid-run', () => {
  let env: TestEnv;
  let mondoo: FakeMondoo;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ generated: { count: 12_000, start: '2025-03-01T00:00:00Z', perSecond: 5, seed: 3 } });
  });
  afterAll(async () => {
    await worker?.kill();
    await mondoo?.close();
    await env?.close();
  });

  it('loses nothing and doubles nothing when the worker is SIGKILLed three times during a backfill', async () => {
    const taskQueue = `crash-${randomUUID()}`;
    const bucket = await createTestBucket();
    const scopeMrn = orgMrn('acme-corp-2fjq8x1');
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket,
      limits: { maxEventsPerFile: 150, maxBatchesPerExecution: 10 },
      // Short timeouts so a killed attempt is retried quickly on the next worker.
      timing: { activityTimeoutMs: 8_000, retryMaxAttempts: 20 },
    });
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    const handle = await startExport(env, config, taskQueue);

    let killedAt = 0;
    for (let kill = 1; kill <= 3; kill++) {
      worker = await startWorkerProcess(taskQueue);
      const threshold = Math.round((expected.length * kill) / 4);
      const progress = await waitForStatus(handle, (s) => s.totals.events >= threshold, 120_000);
      expect(progress.totals.events).toBeGreaterThan(killedAt);
      killedAt = progress.totals.events;
      await worker.kill();
    }
    worker = await startWorkerProcess(taskQueue);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(done.totals.events).toBe(expected.length);
    expect(done.status).toBe('active');

    expectExactlyOnce(await readExport(bucket), expected);
    await handle.signal(deleteSignal);
  });
});
