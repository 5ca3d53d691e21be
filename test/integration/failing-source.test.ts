// A source that keeps failing or trickles must not look healthy (`retrying` in the status and the UI's
// current details), and a pause or delete must not wait for it: the activities in flight are cancelled,
// the status and the ExportStatus search attribute change at once, and nothing is lost or doubled.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../lib/temporal-config';
import { deleteSignal, ExportStatusAttribute, pauseSignal, resumeSignal, type ExportStatus } from '../../workflows/definitions';
import { createFaultProxy } from '../../sandbox/faults';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../activities/sources/source-fetch';
import { createHostileSource } from '../fakes/hostile-source';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { exportWorkflowBundle, openTestEnv, showHistoryJson, startExportWorker, testDataConverter, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
/** Long enough for a retry streak to show, short enough for a run that never gives up on its own. */
const KEEP_RETRYING = { retryMaxAttempts: 100, retryInitialMs: 100, retryMaxMs: 500 };
/** How soon a pause or delete must show: a signal round trip, not an activity's retries. */
const PROMPTLY_MS = 5_000;

/** What the Temporal UI shows as the workflow's current details. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

async function searchAttributeStatus(handle: WorkflowHandle): Promise<ExportStatus | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(ExportStatusAttribute) as ExportStatus | undefined;
}

async function waitForSearchAttribute(handle: WorkflowHandle, status: ExportStatus, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ExportStatus | undefined;
  while (Date.now() < deadline) {
    last = await searchAttributeStatus(handle);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ExportStatus is ${last}, not ${status}, ${timeoutMs} ms after the signal`);
}

/**
 * Every execution of the integration replays on the current code: the cancellations are deterministic.
 * With AUDITFLOW_RECORD_HISTORIES=<name> they are also recorded as fixtures `<name>-<label>-<n>.json`
 * (as test/integration/replay.test.ts records its own), so later versions must replay them too.
 */
async function expectReplays(env: TestEnv, handle: WorkflowHandle, label: string): Promise<void> {
  // Right after a run's continue-as-new the newest execution may not have completed its first workflow
  // task: such a history holds no decision to check, and its replay once hung a CI run until the test's
  // timeout. Wait (bounded) until every listed execution has completed one.
  let histories: Array<{ workflowId: string; runId: string; history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> }>;
  const deadline = Date.now() + 60_000;
  for (;;) {
    histories = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
      histories.push({
        workflowId: handle.workflowId,
        runId: execution.runId,
        history: await env.client.workflow.getHandle(handle.workflowId, execution.runId).fetchHistory(),
      });
    }
    const settled = histories.every(({ history }) => (history.events ?? []).some((event) => event.workflowTaskCompletedEventAttributes));
    if (settled || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(histories.length).toBeGreaterThan(0);
  for await (const result of Worker.runReplayHistories({ workflowBundle: await exportWorkflowBundle(), dataConverter: testDataConverter() }, histories)) {
    expect(result.error, `replay of ${result.runId}`).toBeUndefined();
  }
  const name = process.env.AUDITFLOW_RECORD_HISTORIES;
  if (!name) return;
  histories.forEach(({ runId }, i) => {
    const json = showHistoryJson(env, handle.workflowId, runId);
    writeFileSync(path.join(repoRoot, 'test/fixtures/histories', `${name}-${label}-${i}.json`), json);
  });
}

describe('a failing source', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let source: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    // Requests give up after a second, so a trickling source fails an attempt in seconds, not minutes.
    worker = await startExportWorker(env, { fetch: { requestTimeoutMs: 1_000 } });
    source = await createFakeMondoo({ generated: { count: 300, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 29 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await source?.close();
    await env?.close();
  });

  const start = async (bucket: string) =>
    startExport(
      env,
      integrationConfig({
        mondooUrl: source.url,
        mondooToken: source.token,
        scopeMrn: orgMrn(ORG),
        bucket,
        limits: { maxEventsPerFile: 60 },
        timing: KEEP_RETRYING,
      }),
    );

  it('while a run retries a 5xx source, the status and the current details say so; a success clears both', async () => {
    source.faults.setPolicy({ rate: 1, kinds: ['5xx'] });
    const bucket = await createTestBucket();
    const handle = await start(bucket);
    try {
      const failing = await waitForStatus(handle, (s) => (s.retrying?.attempt ?? 0) >= 2, 60_000);
      expect(failing.status).toBe('active');
      expect(failing.retrying!.message).toMatch(/Mondoo API unavailable \(HTTP 50\d\)/);
      expect(Date.parse(failing.retrying!.since)).toBeLessThanOrEqual(Date.now());
      expect(await currentDetails(handle)).toMatch(/Retrying.*fetch attempt \d+ failed: Mondoo API unavailable/);
      // The streak keeps its start while attempts go on.
      const later = await waitForStatus(handle, (s) => (s.retrying?.attempt ?? 0) > failing.retrying!.attempt, 60_000);
      expect(later.retrying!.since).toBe(failing.retrying!.since);

      source.faults.reset();
      const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
      expect(done.retrying).toBeUndefined();
      expect(await currentDetails(handle)).not.toMatch(/Retrying/);
      expectExactlyOnce(await readExport(bucket), expectedKeys(source.store.all(orgMrn(ORG))));
      await expectReplays(env, handle, 'retrying-5xx');
    } finally {
      source.faults.reset();
      await handle.signal(deleteSignal);
    }
  });

  it('a source that redirects ends the run in error naming the new location, with nothing counted as exported', async () => {
    const redirecting = await createHostileSource({ mode: 'redirect' });
    try {
      const handle = await startExport(
        env,
        integrationConfig({ mondooUrl: redirecting.url, mondooToken: 't', scopeMrn: orgMrn(ORG), bucket: await createTestBucket(), timing: KEEP_RETRYING }),
      );
      const failed = await waitForStatus(handle, (s) => s.status === 'error', 30_000);
      expect(failed.lastError?.message).toContain(`a redirect to ${redirecting.url.replace('/query', '/moved')};`);
      expect(failed.lastRun).toMatchObject({ outcome: 'failed', events: 0 });
      expect(redirecting.followed).toBe(0);
      await handle.signal(deleteSignal);
    } finally {
      await redirecting.close();
    }
  });

  it('a source with an endless body ends the run in error at the cap; the worker never holds the body', async () => {
    const huge = await createHostileSource({ mode: 'huge', hugeBytes: 200 * 1024 * 1024 });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const handle = await startExport(
        env,
        integrationConfig({ mondooUrl: huge.url, mondooToken: 't', scopeMrn: orgMrn(ORG), bucket: await createTestBucket(), timing: KEEP_RETRYING }),
      );
      const failed = await waitForStatus(handle, (s) => s.status === 'error', 30_000);
      expect(failed.lastError?.message).toContain(`the Mondoo API sent a response of more than ${DEFAULT_MAX_RESPONSE_BYTES} bytes`);
      expect(huge.bytesSent).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
      expect(peak - baseline).toBeLessThan(128 * 1024 * 1024);
      await handle.signal(deleteSignal);
    } finally {
      clearInterval(sampler);
      await huge.close();
    }
  });

  it('a trickling source shows as retrying too; a delete cancels the stuck fetch and ends the workflow at once', async () => {
    source.faults.setPolicy({ rate: 1, kinds: ['trickle'], timeoutMs: 120_000 });
    const handle = await start(await createTestBucket());
    try {
      const stuck = await waitForStatus(handle, (s) => s.retrying !== undefined, 60_000);
      expect(stuck.retrying!.message).toMatch(/did not answer in time/);

      const signalledAt = Date.now();
      await handle.signal(deleteSignal);
      await waitForStatus(handle, (s) => s.status === 'deleted', PROMPTLY_MS);
      await waitForSearchAttribute(handle, 'deleted', PROMPTLY_MS);
      const ended = await Promise.race([handle.result().then(() => 'completed'), new Promise((r) => setTimeout(() => r('still running'), PROMPTLY_MS))]);
      expect(ended).toBe('completed');
      expect(Date.now() - signalledAt).toBeLessThan(2 * PROMPTLY_MS);
      const status = await waitForStatus(handle, () => true);
      expect(status).toMatchObject({ status: 'deleted', lastRun: { outcome: 'deleted' }, totals: { events: 0 } });
      expect(status.retrying).toBeUndefined();
      await expectReplays(env, handle, 'delete-stuck-fetch');
    } finally {
      source.faults.reset();
    }
  });

  it('a pause cancels a stuck fetch at once; after resume the export completes exactly once', async () => {
    source.faults.setPolicy({ rate: 1, kinds: ['trickle'], timeoutMs: 120_000 });
    const bucket = await createTestBucket();
    const handle = await start(bucket);
    try {
      await waitForStatus(handle, (s) => s.retrying !== undefined, 60_000);
      await handle.signal(pauseSignal);
      const paused = await waitForStatus(handle, (s) => s.status === 'paused' && !s.running, PROMPTLY_MS);
      expect(paused.lastRun?.outcome).toBe('paused');
      expect(paused.retrying).toBeUndefined();
      await waitForSearchAttribute(handle, 'paused', PROMPTLY_MS);

      source.faults.reset();
      await handle.signal(resumeSignal);
      const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
      expect(done.status).toBe('active');
      expectExactlyOnce(await readExport(bucket), expectedKeys(source.store.all(orgMrn(ORG))));
      await expectReplays(env, handle, 'pause-stuck-fetch');
    } finally {
      source.faults.reset();
      await handle.signal(deleteSignal);
    }
  });

  it('a pause cancels a stuck upload; after resume the very same objects are written, exactly once', async () => {
    const sink = await createFaultProxy({ target: inject('gcsEndpoint'), policy: { rate: 1, kinds: ['timeout'], timeoutMs: 120_000 } });
    const bucket = await createTestBucket();
    const config = integrationConfig({
      mondooUrl: source.url,
      mondooToken: source.token,
      scopeMrn: orgMrn(ORG),
      bucket,
      limits: { maxEventsPerFile: 60 },
      timing: KEEP_RETRYING,
    });
    config.destination.endpoint = sink.url;
    const handle = await startExport(env, config);
    try {
      await waitForStatus(handle, () => sink.policy.injected.timeout > 0, 30_000);
      await handle.signal(pauseSignal);
      await waitForStatus(handle, (s) => s.status === 'paused', PROMPTLY_MS);
      await waitForSearchAttribute(handle, 'paused', PROMPTLY_MS);
      expect((await waitForStatus(handle, () => true)).totals.events).toBe(0);

      sink.policy.reset();
      await handle.signal(resumeSignal);
      await waitForSearchAttribute(handle, 'active', PROMPTLY_MS);
      const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
      expect(done.status).toBe('active');
      expectExactlyOnce(await readExport(bucket), expectedKeys(source.store.all(orgMrn(ORG))));
      await expectReplays(env, handle, 'pause-stuck-upload');
    } finally {
      await handle.signal(deleteSignal);
      await sink.close();
    }
  });
});
