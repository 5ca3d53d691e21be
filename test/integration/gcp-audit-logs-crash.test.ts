// Crash safety for Cloud Audit Logs: the worker process is SIGKILLed mid-backfill, twice; every entry
// still lands exactly once. The killed worker takes its Google token and its pacer with it, so the next
// one authenticates afresh with the service-account key and paces from nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TRUSTED_TOKEN_URIS_VAR } from '../../activities/sinks/gcs/token-uri';
import { REQUESTS_PER_MINUTE_VAR } from '../../activities/sources/gcp-audit-logs/pacer';
import { gcpAuditLogsScope, gcpAuditLogsSourceSchema } from '../../activities/sources/gcp-audit-logs/schema';
import { deleteSignal, type IntegrationConfig } from '../../workflows/definitions';
import { createFakeCloudLogging, type FakeCloudLogging } from '../../sandbox/gcp-logging';
import { createFakeGcp, serviceAccountEmail, type FakeGcp } from '../fakes/gcp';
import { expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const PROJECT = 'projects/acme-crash-7hq2m4';
const PREFIX = 'gcp/';

describe('a Cloud Audit Logs backfill with a worker killed mid-run', () => {
  let env: TestEnv;
  let gcp: FakeGcp;
  let logging: FakeCloudLogging;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    env = await openTestEnv();
    gcp = await createFakeGcp();
    // The key file names the fake token endpoint: trusted here (the schema checks it) and in the workers.
    vi.stubEnv(TRUSTED_TOKEN_URIS_VAR, gcp.tokenUri);
    logging = await createFakeCloudLogging({ principalOf: (token) => gcp.principalOf(token) });
  });
  afterAll(async () => {
    await worker?.kill();
    await Promise.all([logging?.close(), gcp?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  it('loses nothing and doubles nothing when the worker is SIGKILLed twice', async () => {
    // Pages of up to 1000 entries, files of 150: a kill lands in a fetch or between the uploads of a batch.
    logging.store.generate(PROJECT, { calls: 5_000, start: '2026-06-01T00:00:00Z', perSecond: 5, seed: 31 });
    // Cloud Logging returns some entries twice: exported once all the same, across the kills too.
    logging.store.add(
      logging.store.all([PROJECT]).filter((_, i) => i % 89 === 0),
      { visibleAt: 0 },
    );
    const logTypes = ['activity', 'data_access', 'system_event', 'policy'] as const;
    const expected = logging.store.all([PROJECT]).map((entry) => entry.insertId);
    const reader = gcp.createServiceAccountKey(serviceAccountEmail('crash-reader'));
    const bucket = await createTestBucket();
    const base = integrationConfig({
      mondooUrl: 'http://127.0.0.1:9',
      mondooToken: 'unused',
      scopeMrn: '//captain.api.mondoo.app/organizations/unused',
      bucket,
      prefix: PREFIX,
      limits: { maxEventsPerFile: 150, maxBatchesPerExecution: 10, lateArrivalSeconds: 600 },
      // Short timeouts so a killed attempt is retried quickly on the next worker.
      timing: { activityTimeoutMs: 8_000, retryMaxAttempts: 20 },
    });
    const source = gcpAuditLogsSourceSchema.parse({
      type: 'gcp-audit-logs',
      resourceNames: [PROJECT],
      logTypes,
      credentials: { serviceAccountJson: reader.json },
      endpoint: logging.url,
    });
    const config: IntegrationConfig = { ...base, source, connectorFacts: { ...gcpAuditLogsScope([PROJECT]), objectUrlBase: `gs://${bucket}/` } };
    const taskQueue = `gcp-crash-${randomUUID()}`;
    // The workers trust the fake token endpoint, and pace faster than the default (the backfill is a few pages).
    const workerEnv = { [TRUSTED_TOKEN_URIS_VAR]: gcp.tokenUri, [REQUESTS_PER_MINUTE_VAR]: '6000' };
    const handle = await startExport(env, config, taskQueue);

    let killedAt = 0;
    for (let kill = 1; kill <= 2; kill++) {
      worker = await startWorkerProcess(taskQueue, workerEnv);
      const progress = await waitForStatus(handle, (s) => s.totals.events >= Math.round((expected.length * kill) / 3), 120_000);
      expect(progress.totals.events).toBeGreaterThan(killedAt);
      killedAt = progress.totals.events;
      await worker.kill();
    }
    const tokensBefore = gcp.hits.oauth;
    worker = await startWorkerProcess(taskQueue, workerEnv);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(done.totals.events).toBe(expected.length);
    expect(done.status).toBe('active');
    // A fresh process has no token: it asked the token endpoint again.
    expect(gcp.hits.oauth).toBeGreaterThan(tokensBefore);
    expectExactlyOnce(await readExport(bucket, PREFIX), expected);
    await handle.signal(deleteSignal);
  });
});
