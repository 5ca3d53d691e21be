// The Endor Labs source end to end: real worker, real dev server, real emulator, the fake Endor Labs API.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@temporalio/worker';
import { endorLabsScopeSlug } from '../../activities/sources/endorlabs/schema';
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { deleteSignal, pauseSignal, resumeSignal, runNowSignal, statusQuery, type IntegrationConfig } from '../../workflows/definitions';
import { createFakeEndorLabs, formatMicros, loginRecord, operationRecord, type FakeEndorLabs, type FakeEndorLabsOptions } from '../../sandbox/endorlabs';
import { createTestBucket } from '../helpers/gcs';
import { expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus, type ExportSetup } from '../helpers/export';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const NS = 'acme.prod';
const PREFIX = 'endorlabs/';
const DAY = 86_400_000;
/** An RFC 3339 time with microseconds, `s` seconds ago. */
const secondsAgo = (s: number) => formatMicros(Math.floor((Date.now() - s * 1000) * 1000) + 7);
const uuids = (records: EndorAuditLog[]) => records.map((r) => r.uuid);

function endorConfig(
  fake: FakeEndorLabs,
  setup: Omit<ExportSetup, 'mondooUrl' | 'mondooToken' | 'scopeMrn'> & { namespace?: string; apiSecret?: string },
): IntegrationConfig {
  const namespace = setup.namespace ?? NS;
  const base = integrationConfig({ ...setup, mondooUrl: fake.url, mondooToken: 'unused', scopeMrn: '//platform.api.mondoo.app', prefix: PREFIX });
  return {
    ...base,
    source: { type: 'endorlabs', namespace, apiKey: fake.apiKey, apiSecret: setup.apiSecret ?? fake.apiSecret, endpoint: fake.url },
    connectorFacts: { scopeSlug: endorLabsScopeSlug(namespace), scopeId: namespace, objectUrlBase: `gs://${setup.bucket}/` },
  };
}

describe('export from Endor Labs', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  const fakes: FakeEndorLabs[] = [];
  const fake = async (options: FakeEndorLabsOptions = {}) => {
    const created = await createFakeEndorLabs(options);
    fakes.push(created);
    return created;
  };

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await Promise.all(fakes.map((f) => f.close()));
    await env?.close();
  });

  it('exports the whole history of a namespace on the first run, in files that tile 1..N, as valid OCSF', async () => {
    const endor = await fake();
    const history = endor.store.generate(NS, { count: 1_600, start: Date.now() - 3 * DAY, perSecond: 10, seed: 21 });
    endor.store.generate('someone-else', { count: 50, start: Date.now() - DAY, seed: 2 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, endorConfig(endor, { bucket, limits: { maxEventsPerFile: 250 } }));
    const status = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(status).toMatchObject({ status: 'active', totals: { events: 1_600 } });
    const exported = await readExport(bucket, PREFIX);
    expectExactlyOnce(exported, uuids(history));
    expect(exported.names[0]).toBe(`${PREFIX}endorlabs-acme-prod-audit-logs-1-250.jsonl`);
    expect(exported.names).toHaveLength(Math.ceil(1_600 / 250));
    // Files keep source order: create_time never goes back.
    const times = exported.events.map((e) => (e.metadata as { original_time: string }).original_time);
    expect([...times].sort()).toEqual(times);
    expect(new Set(exported.events.map((e) => e.class_uid))).toEqual(new Set([3002, 6003]));

    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed' && s.lastRun.startedAt !== status.lastRun?.startedAt);
    expect((await readExport(bucket, PREFIX)).names).toHaveLength(exported.names.length);
    await handle.signal(deleteSignal);
  });

  it('without history starts at creation, then exports new and late events exactly once', async () => {
    const endor = await fake();
    const bucket = await createTestBucket();
    const config = endorConfig(endor, { bucket, includeHistorical: false, createdAt: new Date(Date.now() - 60_000).toISOString() });
    endor.store.add([loginRecord(secondsAgo(120), { namespace: NS, uuid: 'before-creation' })]);
    const handle = await startExport(env, config);
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(first.totals).toEqual({ events: 0, files: 0 });

    const tie = secondsAgo(30);
    endor.store.add([
      loginRecord(tie, { namespace: NS }),
      operationRecord(tie, 'OPERATION_CREATE', { namespace: NS }),
      operationRecord(secondsAgo(20), 'OPERATION_DELETE', { namespace: NS }),
    ]);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.totals.events === 3 && s.lastRun?.outcome === 'completed');

    // Late: written 45 s ago, visible only now (after the last run read past its time).
    endor.store.add([operationRecord(secondsAgo(45), 'OPERATION_UPDATE', { namespace: NS, uuid: 'late-arrival' })]);
    await handle.signal(runNowSignal);
    const done = await waitForStatus(handle, (s) => s.totals.events === 4 && s.lastRun?.outcome === 'completed');
    expect(done.totals.files).toBe(2);
    const exported = await readExport(bucket, PREFIX);
    expectExactlyOnce(
      exported,
      uuids(endor.store.all(NS)).filter((u) => u !== 'before-creation'),
    );
    expect(exported.names).toEqual([`${PREFIX}endorlabs-acme-prod-audit-logs-1-3.jsonl`, `${PREFIX}endorlabs-acme-prod-audit-logs-4-4.jsonl`]);
    await handle.signal(deleteSignal);
  });

  it('pauses, resumes and deletes through signals', async () => {
    const endor = await fake();
    endor.store.generate(NS, { count: 120, start: Date.now() - DAY, seed: 3 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, endorConfig(endor, { bucket }));
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    await handle.signal(pauseSignal);
    await waitForStatus(handle, (s) => s.status === 'paused');
    await handle.signal(runNowSignal); // ignored while paused
    endor.store.add([operationRecord(secondsAgo(1), 'OPERATION_UPSERT', { namespace: NS })]);
    await handle.signal(resumeSignal);
    await waitForStatus(handle, (s) => s.status === 'active');
    expect((await handle.query(statusQuery)).lastRun?.startedAt).toBe(first.lastRun?.startedAt);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.totals.events === first.totals.events + 1);
    await handle.signal(deleteSignal);
    await handle.result();
    expect((await handle.query(statusQuery)).status).toBe('deleted');
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(endor.store.all(NS)));
  });

  it('rides out 429s (Retry-After as an HTTP date), 5xx and timeouts', async () => {
    const endor = await fake({
      faults: { rate: 0.3, kinds: ['5xx', '429', 'timeout'], retryAfterSeconds: 1, timeoutMs: 3_000, seed: 5 },
      retryAfterFormat: 'http-date',
    });
    const history = endor.store.generate(NS, { count: 900, start: Date.now() - 2 * DAY, seed: 11 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, endorConfig(endor, { bucket, limits: { maxEventsPerFile: 100 }, timing: { retryMaxAttempts: 20 } }));
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    expect(endor.faults.injected['429'] + endor.faults.injected['5xx']).toBeGreaterThan(0);
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(history));
    await handle.signal(deleteSignal);
  });

  it('renews a token that expires or is revoked mid-backfill, and exports everything once', async () => {
    const endor = await fake({ tokenTtlMs: 1_500 });
    const history = endor.store.generate(NS, { count: 2_400, start: Date.now() - 5 * DAY, seed: 13 });
    const bucket = await createTestBucket();
    // Tiny batches: the backfill spans many fetches and outlives several tokens.
    const handle = await startExport(env, endorConfig(endor, { bucket, limits: { maxEventsPerFile: 100 } }));
    await waitForStatus(handle, (s) => s.totals.events >= 400);
    endor.revokeTokens(); // the next request finds its token refused: one renewal, no error
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    // The first token and the one after the revocation; a renewal on expiry comes on top only when the
    // backfill outlives the 1.5 s lifetime, which a fast machine does not (the client's unit tests cover it).
    expect(endor.stats.tokensIssued).toBeGreaterThanOrEqual(2);
    const status = await handle.query(statusQuery);
    expect(status.lastError).toBeUndefined();
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(history));
    await handle.signal(deleteSignal);
  });

  it('a disabled API key sets status error with a message naming the fix; re-enabled, the next run recovers', async () => {
    const endor = await fake();
    const history = endor.store.generate(NS, { count: 300, start: Date.now() - DAY, seed: 17 });
    endor.keyEnabled = false;
    const bucket = await createTestBucket();
    const handle = await startExport(env, endorConfig(endor, { bucket }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/Endor Labs rejected the API key and secret \(HTTP 401/);
    expect(failed.lastError?.message).toMatch(/re-enable it or create a read-only API key under Access Control > API Keys/);
    expect(failed.lastError?.message).not.toContain(endor.apiSecret);
    expect(failed.watermark).toBeNull();
    expect(failed.totals.events).toBe(0);

    endor.keyEnabled = true;
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expect(recovered.lastError).toBeUndefined();
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(history));
    await handle.signal(deleteSignal);
  });

  it('a key without access to the namespace is an error until granted; then the next run recovers', async () => {
    const allowedNamespaces: string[] = [];
    const endor = await fake({ allowedNamespaces });
    const history = endor.store.generate(NS, { count: 200, start: Date.now() - DAY, seed: 19 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, endorConfig(endor, { bucket }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/refused the audit logs of namespace "acme.prod" \(HTTP 403.*read-only permission/);
    allowedNamespaces.push(NS);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(history));
    await handle.signal(deleteSignal);
  });
});

describe('an Endor Labs backfill with a worker killed mid-run', () => {
  let env: TestEnv;
  let endor: FakeEndorLabs;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    env = await openTestEnv();
    endor = await createFakeEndorLabs();
  });
  afterAll(async () => {
    await worker?.kill();
    await endor?.close();
    await env?.close();
  });

  it('loses nothing and doubles nothing when the worker is SIGKILLed twice', async () => {
    const history = endor.store.generate(NS, { count: 6_000, start: Date.now() - 10 * DAY, seed: 23 });
    const taskQueue = `endor-crash-${randomUUID()}`;
    const bucket = await createTestBucket();
    const config = endorConfig(endor, {
      bucket,
      limits: { maxEventsPerFile: 150, maxBatchesPerExecution: 10 },
      timing: { activityTimeoutMs: 8_000, retryMaxAttempts: 20 },
    });
    const handle = await startExport(env, config, taskQueue);
    let killedAt = 0;
    for (let kill = 1; kill <= 2; kill++) {
      worker = await startWorkerProcess(taskQueue);
      const progress = await waitForStatus(handle, (s) => s.totals.events >= Math.round((history.length * kill) / 3), 120_000);
      expect(progress.totals.events).toBeGreaterThan(killedAt);
      killedAt = progress.totals.events;
      await worker.kill();
    }
    worker = await startWorkerProcess(taskQueue);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(done.totals.events).toBe(history.length);
    expectExactlyOnce(await readExport(bucket, PREFIX), uuids(history));
    await handle.signal(deleteSignal);
  });
});
