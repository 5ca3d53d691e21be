// Determinism: recorded histories of real runs replay against the current workflow code, so a change
// that would break running workflows fails CI. Also measures what each execution puts in history.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker, type Worker as WorkerType } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/temporal-config';
import { deleteSignal, pauseSignal, resumeSignal, runNowSignal } from '../../workflows/definitions';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { integrationConfig, startExport, waitForStatus } from '../helpers/export';
import { exportWorkflowBundle, openTestEnv, showHistoryJson, startExportWorker, testDataConverter, type TestEnv } from '../helpers/temporal';

const FIXTURES = path.join(repoRoot, 'test/fixtures/histories');
type History = temporal.api.history.v1.IHistory;

async function replayAll(histories: Array<{ workflowId: string; history: History }>): Promise<void> {
  const results = Worker.runReplayHistories({ workflowBundle: await exportWorkflowBundle(), dataConverter: testDataConverter() }, histories);
  for await (const result of results) {
    expect(result.error, `replay of ${result.workflowId}`).toBeUndefined();
  }
}

/** The largest payload of an execution and its event count: what "bounded history" means in numbers. */
function measure(history: History): { events: number; largestPayloadBytes: number } {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if ('data' in value && 'metadata' in value && (value as { data: unknown }).data instanceof Uint8Array) {
      largest = Math.max(largest, (value as { data: Uint8Array }).data.length);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(history.events);
  return { events: history.events?.length ?? 0, largestPayloadBytes: largest };
}

describe('workflow determinism', () => {
  let env: TestEnv;
  let worker: { worker: WorkerType; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 700, start: '2025-05-01T00:00:00Z', perSecond: 6, seed: 19 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  it('replays the committed histories recorded from earlier versions', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    await replayAll(files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'))) })));
  });

  it('replays every execution of a run with batches, continue-as-new, pause, resume and delete, and keeps them small', async () => {
    const bucket = await createTestBucket();
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn: orgMrn('acme-corp-2fjq8x1'),
      bucket,
      limits: { maxEventsPerFile: 60, maxBatchesPerExecution: 3 },
    });
    const handle = await startExport(env, config);
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    await handle.signal(pauseSignal);
    await waitForStatus(handle, (s) => s.status === 'paused');
    await handle.signal(resumeSignal);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && !s.running);
    await handle.signal(deleteSignal);
    await handle.result();

    // Recorded the way an operator would: `temporal workflow show --output json`, the format of the fixtures.
    const histories: Array<{ workflowId: string; history: History; json: string }> = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
      const json = showHistoryJson(env, handle.workflowId, execution.runId);
      histories.push({ workflowId: handle.workflowId, history: historyFromJSON(JSON.parse(json)), json });
    }
    expect(histories.length).toBeGreaterThanOrEqual(4);
    await replayAll(histories);

    for (const { history } of histories) {
      const { events, largestPayloadBytes } = measure(history);
      expect(events).toBeLessThan(200);
      expect(largestPayloadBytes).toBeLessThan(512 * 1024);
    }
    console.log('history per execution:', JSON.stringify(histories.map(({ history }) => measure(history))));

    // AUDITFLOW_RECORD_HISTORIES=<name> records them as fixtures, encrypted with the fixture key.
    const name = process.env.AUDITFLOW_RECORD_HISTORIES;
    if (name) {
      mkdirSync(FIXTURES, { recursive: true });
      histories.forEach(({ json }, i) => writeFileSync(path.join(FIXTURES, `${name}-${i}.json`), json));
    }
  });
});
