// A map that keeps failing (say, its thread cannot start) ends the run in error, visibly, with nothing
// uploaded or counted, and the integration lives on: its workflow keeps running for the next run.
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { deleteSignal } from '../../workflows/definitions';
import { integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';

describe('a failing map', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let source: FakeMondoo;
  let maps = 0;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env, {
      mapBatch: async () => {
        maps++;
        throw Object.assign(new Error('Invalid option in execArgv'), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' });
      },
    });
    source = await createFakeMondoo({ generated: { count: 50, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 31 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await source?.close();
    await env?.close();
  });

  it('ends the run in error with the reason; nothing is uploaded or counted and the workflow keeps running', async () => {
    const bucket = await createTestBucket();
    const handle = await startExport(
      env,
      integrationConfig({
        mondooUrl: source.url,
        mondooToken: source.token,
        scopeMrn: orgMrn(ORG),
        bucket,
        timing: { retryMaxAttempts: 2, retryInitialMs: 100, retryMaxMs: 200 },
      }),
    );
    try {
      const failed = await waitForStatus(handle, (s) => s.status === 'error', 60_000);
      expect(failed.lastError?.message).toContain('Invalid option in execArgv');
      expect(failed.lastRun).toMatchObject({ outcome: 'failed', events: 0, files: 0 });
      expect(failed.totals).toEqual({ events: 0, files: 0 });
      expect(maps).toBe(2);
      expect((await readExport(bucket)).names).toEqual([]);
      expect((await handle.describe()).status.name).toBe('RUNNING');
    } finally {
      await handle.signal(deleteSignal);
    }
  });
});
