// The export end to end: real worker, real dev server, real emulator, the fake Mondoo API.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Worker } from '@temporalio/worker';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import { deleteSignal, pauseSignal, resumeSignal, runNowSignal, statusQuery } from '../../workflows/definitions';
import { createFaultProxy } from '../../sandbox/faults';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
const SPACE = 'acme-production-4kd9s2';

function node(timestamp: string, msg: string, extra: Partial<MondooAuditNode> = {}): MondooAuditNode {
  return {
    identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/jane' },
    resource: `//agents.api.mondoo.app/organizations/${ORG}/serviceaccounts/sa-1`,
    action: 'mondoo.agents.AgentManager.CreateServiceAccount',
    timestamp,
    msg,
    ip: '203.0.113.7',
    parent: orgMrn(ORG),
    ...extra,
  };
}
const secondsAgo = (s: number) => new Date(Math.floor(Date.now() / 1000 - s) * 1000).toISOString().replace('.000Z', 'Z');

describe('export workflow', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 2_345, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 7 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  it('exports the whole history of an organization on the first run, in files that tile 1..N', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = orgMrn(ORG);
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket, limits: { maxEventsPerFile: 250 } });
    const handle = await startExport(env, config);
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    expect(expected.length).toBeGreaterThan(1_000);

    const status = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(status).toMatchObject({ status: 'active', totals: { events: expected.length } });
    const exported = await readExport(bucket);
    expectExactlyOnce(exported, expected);
    expect(exported.names[0]).toBe(`mondoo/org-${ORG}-audit-logs-1-250.jsonl`);
    expect(exported.names.length).toBe(Math.ceil(expected.length / 250));

    // A second run finds nothing new and writes no file.
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed' && s.lastRun.startedAt !== status.lastRun?.startedAt);
    expect((await readExport(bucket)).names.length).toBe(exported.names.length);
    await handle.signal(deleteSignal);
  });

  it('without history starts at creation, then exports new and late events exactly once', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = spaceMrn(SPACE);
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket,
      includeHistorical: false,
      createdAt: secondsAgo(60),
    });
    mondoo.store.add([node(secondsAgo(120), 'before creation: never exported')], { org: ORG, space: SPACE });
    const handle = await startExport(env, config);
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(first.totals).toEqual({ events: 0, files: 0 });
    expect((await readExport(bucket)).names).toEqual([]);

    const fresh = [node(secondsAgo(30), 'new one'), node(secondsAgo(30), 'new one'), node(secondsAgo(20), 'new two')];
    mondoo.store.add(fresh, { org: ORG, space: SPACE });
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.totals.events === 3);

    // A late event: its timestamp is before the last run, it became visible only now.
    const late = node(secondsAgo(45), 'late arrival');
    mondoo.store.add([late], { org: ORG, space: SPACE });
    await handle.signal(runNowSignal);
    const done = await waitForStatus(handle, (s) => s.totals.events === 4 && s.lastRun?.outcome === 'completed');
    expect(done.totals.files).toBe(2);

    const exported = await readExport(bucket);
    expectExactlyOnce(exported, expectedKeys(mondoo.store.all(scopeMrn).filter((n) => n.timestamp > config.createdAt)));
    expect(exported.names).toEqual([`mondoo/space-${SPACE}-audit-logs-1-3.jsonl`, `mondoo/space-${SPACE}-audit-logs-4-4.jsonl`]);
    await handle.signal(deleteSignal);
  });

  it('runs again by itself when the interval has passed', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = spaceMrn('acme-sandbox-1mv8c5');
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket, timing: { intervalMs: 1_500 } });
    const handle = await startExport(env, config);
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    mondoo.store.add([node(secondsAgo(1), 'between runs')], { org: ORG, space: 'acme-sandbox-1mv8c5' });
    const second = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed' && s.lastRun.startedAt !== first.lastRun?.startedAt);
    expect(Date.parse(second.lastRun!.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.lastRun!.finishedAt!) + 1_500);
    expect(second.totals.events).toBe(first.totals.events + 1);
    await handle.signal(deleteSignal);
  });

  it('never keeps a cursor: with cursors that expire at once, every batch starts a new pass and still completes', async () => {
    const expiring = await createFakeMondoo({ generated: { count: 700, start: '2025-09-01T00:00:00Z', perSecond: 5, seed: 4 }, cursorTtlMs: 0 });
    try {
      const bucket = await createTestBucket();
      const scopeMrn = orgMrn(ORG);
      const config = integrationConfig({ mondooUrl: expiring.url, mondooToken: expiring.token, scopeMrn, bucket });
      const handle = await startExport(env, config);
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
      expectExactlyOnce(await readExport(bucket), expectedKeys(expiring.store.all(scopeMrn)));
      await handle.signal(deleteSignal);
    } finally {
      await expiring.close();
    }
  });

  it('pauses, resumes and deletes through signals', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = spaceMrn('globex-dev-3b6y1k');
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket });
    const handle = await startExport(env, config);
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(first.nextRunAt).toBeDefined();

    await handle.signal(pauseSignal);
    const paused = await waitForStatus(handle, (s) => s.status === 'paused');
    expect(paused.nextRunAt).toBeUndefined();
    await handle.signal(runNowSignal); // ignored while paused
    mondoo.store.add([node(secondsAgo(1), 'while paused')], { org: 'globex-9x7t3q', space: 'globex-dev-3b6y1k' });
    await handle.signal(resumeSignal);
    await waitForStatus(handle, (s) => s.status === 'active');
    expect((await handle.query(statusQuery)).lastRun?.startedAt).toBe(first.lastRun?.startedAt);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.totals.events === first.totals.events + 1);

    await handle.signal(deleteSignal);
    await handle.result();
    expect((await handle.query(statusQuery)).status).toBe('deleted');
    expectExactlyOnce(await readExport(bucket), expectedKeys(mondoo.store.all(scopeMrn)));
  });

  it('a rejected token sets status error with an actionable message and leaves the watermark alone', async () => {
    const bucket = await createTestBucket();
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: 'not-the-token', scopeMrn: orgMrn(ORG), bucket });
    const handle = await startExport(env, config);
    const status = await waitForStatus(handle, (s) => s.status === 'error');
    expect(status.lastError?.message).toMatch(/Mondoo rejected the API token \(HTTP 401\)/);
    expect(status.lastError?.message).not.toContain('not-the-token');
    expect(status.watermark).toBeNull();
    expect(status.nextRunAt).toBeDefined();
    await handle.signal(deleteSignal);
  });

  it('a token without access to the scope is an error until an admin grants it; then the next run recovers', async () => {
    const allowedScopes: string[] = []; // read per request by the fake, like a permission change at Mondoo
    const restricted = await createFakeMondoo({ generated: { count: 200, start: '2025-08-01T00:00:00Z', perSecond: 2, seed: 2 }, allowedScopes });
    try {
      const bucket = await createTestBucket();
      const scopeMrn = orgMrn('globex-9x7t3q');
      const config = integrationConfig({ mondooUrl: restricted.url, mondooToken: restricted.token, scopeMrn, bucket });
      const handle = await startExport(env, config);
      const failed = await waitForStatus(handle, (s) => s.status === 'error');
      expect(failed.lastError?.message).toMatch(/Mondoo refused the audit log query: permission denied .*Check the scope MRN and the token's access/);
      expect(failed.totals.events).toBe(0);

      allowedScopes.push(scopeMrn);
      await handle.signal(runNowSignal);
      const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
      expect(recovered.lastError).toBeUndefined();
      expectExactlyOnce(await readExport(bucket), expectedKeys(restricted.store.all(scopeMrn)));
      await handle.signal(deleteSignal);
    } finally {
      await restricted.close();
    }
  });

  it('a missing bucket is an error until the bucket exists; then the next run recovers', async () => {
    const bucket = `missing-${Date.now()}`;
    const scopeMrn = spaceMrn('initech-main-8q1e5t');
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket });
    const handle = await startExport(env, config);
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/Bucket ".*" does not exist/);
    expect(failed.totals.events).toBe(0);

    const { emulatorStorage } = await import('../helpers/gcs');
    await emulatorStorage().createBucket(bucket);
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expect(recovered.lastError).toBeUndefined();
    expectExactlyOnce(await readExport(bucket), expectedKeys(mondoo.store.all(scopeMrn)));
    await handle.signal(deleteSignal);
  });

  it('rides out injected 5xx, 429 and timeouts at the source', async () => {
    const faulty = await createFakeMondoo({
      generated: { count: 900, start: '2025-07-01T00:00:00Z', perSecond: 3, seed: 11 },
      faults: { rate: 0.3, kinds: ['5xx', '429', 'timeout'], retryAfterSeconds: 1, timeoutMs: 3_000, seed: 5 },
    });
    try {
      const bucket = await createTestBucket();
      const scopeMrn = orgMrn(ORG);
      const config = integrationConfig({
        mondooUrl: faulty.url,
        mondooToken: faulty.token,
        scopeMrn,
        bucket,
        limits: { maxEventsPerFile: 100 },
        timing: { retryMaxAttempts: 20 },
      });
      const handle = await startExport(env, config);
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      expect(Object.values(faulty.faults.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expectExactlyOnce(await readExport(bucket), expectedKeys(faulty.store.all(scopeMrn)));
      await handle.signal(deleteSignal);
    } finally {
      await faulty.close();
    }
  });

  it('rides out 503s and dropped responses at the sink: a retried write that had landed is a 412, not a duplicate', async () => {
    const proxy = await createFaultProxy({
      target: inject('gcsEndpoint'),
      policy: { rate: 0.2, kinds: ['5xx', 'drop-response'], seed: 23 },
    });
    try {
      const bucket = await createTestBucket();
      const scopeMrn = orgMrn('globex-9x7t3q');
      const config = integrationConfig({
        mondooUrl: mondoo.url,
        mondooToken: mondoo.token,
        scopeMrn,
        bucket,
        limits: { maxEventsPerFile: 40 },
        timing: { retryMaxAttempts: 20 },
      });
      config.destination.endpoint = proxy.url;
      const handle = await startExport(env, config);
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      expect(proxy.policy.injected['drop-response']).toBeGreaterThan(0);
      expect(proxy.policy.injected['5xx']).toBeGreaterThan(0);
      expectExactlyOnce(await readExport(bucket), expectedKeys(mondoo.store.all(scopeMrn)));
      await handle.signal(deleteSignal);
    } finally {
      await proxy.close();
    }
  });
});
