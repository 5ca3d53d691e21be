// Upgrading under Worker Deployment Versioning: an export started on build A goes on, mid-run, on build B,
// whose code changed behaviour behind a patch; exports started after the roll-out run on B; every
// execution of both replays on the current code.
//
// Build B is this code, as `npm run worker` runs it (a worker process). Build A is the release before the
// `dated-prefix` patch (workflows/patches.ts: a prefix's %Y %m were taken literally before): this code
// with the SDK's patchActivationCallback declining that patch, so A takes the old branch and records no
// marker, exactly what the older release's code does. (A build from an older commit would need that
// commit's tree and dependencies in CI; the patch's old branch is that code.)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/temporal-config';
import { describeDeployment, promoteWorkerVersion } from '../../lib/worker-versioning';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createExportWorker } from '../../worker/create-worker';
import { deleteSignal } from '../../workflows/definitions';
import { DATED_PREFIX_PATCH } from '../../workflows/patches';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { exportWorkflowBundle, openTestEnv, showHistoryJson, testDataConverter, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

type History = temporal.api.history.v1.IHistory;
const ORG = 'acme-corp-2fjq8x1';
const PREFIX = 'logs/%Y/%m/';

/** The build ids that completed the workflow tasks of one execution, in order. */
function taskBuilds(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const completed = event.workflowTaskCompletedEventAttributes;
    return completed ? [completed.deploymentVersion?.buildId ?? 'unversioned'] : [];
  });
}

async function listExecutions(env: TestEnv, handle: WorkflowHandle): Promise<Array<{ history: History; json: string; startedAt: number }>> {
  const found: Array<{ history: History; json: string; startedAt: number }> = [];
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
    const json = showHistoryJson(env, handle.workflowId, execution.runId);
    found.push({ history: historyFromJSON(JSON.parse(json)), json, startedAt: execution.startTime.getTime() });
  }
  return found.sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * Every execution of `handle`, once the newest has completed a workflow task: right after a run's
 * continue-as-new the new execution may not have had its first task yet, and it would show no build.
 */
async function executions(env: TestEnv, handle: WorkflowHandle): Promise<Array<{ history: History; json: string; startedAt: number }>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = await listExecutions(env, handle);
    if (taskBuilds(found.at(-1)!.history).length > 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('an upgrade under Worker Deployment Versioning', () => {
  let env: TestEnv;
  let mondoo: FakeMondoo;
  let workerA: { worker: Worker; running: Promise<void> } | undefined;
  let workerB: WorkerProcess | undefined;
  const deploymentName = `auditflow-test-${randomUUID().slice(0, 8)}`;
  const buildA = { deploymentName, buildId: 'build-a' };
  const buildB = { deploymentName, buildId: 'build-b' };

  beforeAll(async () => {
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ generated: { count: 400, start: '2025-05-01T00:00:00Z', perSecond: 6, seed: 23 } });
  });
  afterAll(async () => {
    await workerB?.kill();
    workerA?.worker.shutdown();
    await workerA?.running;
    await mondoo?.close();
    await env?.close();
  });

  const currentBuild = async () =>
    (await describeDeployment(env.connection, env.settings.namespace, deploymentName))?.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId;

  it('an export started on build A goes on on build B mid-run, keeping its execution’s old behaviour; new runs and new exports take B’s', async () => {
    const { namespace, taskQueue } = env.settings;
    workerA = await (async () => {
      const worker = await createExportWorker({
        connection: env.nativeConnection,
        settings: env.settings,
        dataConverter: testDataConverter(),
        workflowBundle: await exportWorkflowBundle(),
        deploymentVersion: buildA,
        overrides: { shutdownGraceTime: '2s', patchActivationCallback: ({ patchId }) => patchId !== DATED_PREFIX_PATCH },
      });
      return { worker, running: worker.run() };
    })();
    // A first install: the deployment has no current version, so A becomes it.
    expect(await promoteWorkerVersion({ connection: env.connection, namespace, version: buildA })).toBe(true);
    expect(await currentBuild()).toBe('build-a');

    // The source fails until B is current: the export's first execution takes its decisions on A (the
    // dated-prefix patch among them) and waits in its first fetch, retrying.
    mondoo.faults.setPolicy({ rate: 1, kinds: ['5xx'] });
    const scopeMrn = orgMrn(ORG);
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    const bucketX = await createTestBucket();
    const configX = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket: bucketX,
      prefix: PREFIX,
      // 100-event batches, two per execution: the 400 events take two executions at least.
      limits: { maxEventsPerFile: 50, maxBatchesPerExecution: 2 },
      timing: { retryInitialMs: 500, retryMaxMs: 2_000, retryMaxAttempts: 1_000 },
    });
    const x = await startExport(env, configX);
    await waitForStatus(x, (s) => s.retrying !== undefined, 60_000);

    // Build B rolls out: `npm run worker` with a new build id. With AUDITFLOW_SET_CURRENT_VERSION=auto
    // (the default) it makes itself current: nobody changed the routing since it came up. A keeps running: routing, not A's absence,
    // sends the export to B.
    workerB = await startWorkerProcess(taskQueue, { AUDITFLOW_DEPLOYMENT_NAME: deploymentName, AUDITFLOW_BUILD_ID: buildB.buildId });
    const deadline = Date.now() + 120_000;
    while ((await currentBuild()) !== 'build-b') {
      expect(Date.now(), 'build B becomes the current version').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // A restarted now would not take the export back: the routing changed after A first polled.
    expect(await promoteWorkerVersion({ connection: env.connection, namespace, version: buildA })).toBe(false);
    expect(await currentBuild()).toBe('build-b');

    mondoo.faults.reset();
    const done = await waitForStatus(x, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(done.totals.events).toBe(expected.length);

    // An export started after the roll-out runs on B from its first task.
    const bucketY = await createTestBucket();
    const y = await startExport(env, integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket: bucketY, prefix: PREFIX }));
    await waitForStatus(y, (s) => s.lastRun?.outcome === 'completed', 120_000);

    // X: its first execution began on A and went on on B, which replayed it and kept its literal names;
    // the next executions (continue-as-new) are B's alone and fill the date in. Nothing lost or doubled.
    const historiesX = await executions(env, x);
    expect(historiesX.length).toBeGreaterThanOrEqual(3);
    const first = taskBuilds(historiesX[0]!.history);
    expect(first[0], 'execution 1 began on A').toBe('build-a');
    expect(first.at(-1), 'execution 1 ended on B').toBe('build-b');
    for (const { history } of historiesX.slice(1)) expect(new Set(taskBuilds(history))).toEqual(new Set(['build-b']));
    const exportedX = await readExport(bucketX, 'logs/');
    expectExactlyOnce(exportedX, expected);
    const literal = exportedX.names.filter((name) => name.startsWith(PREFIX));
    const dated = exportedX.names.filter((name) => name.startsWith('logs/2025/05/'));
    expect(literal.length + dated.length).toBe(exportedX.names.length);
    expect(literal.length, 'execution 1 kept the old names A chose, though B wrote them').toBeGreaterThan(0);
    expect(dated.length, 'later executions use the new ones').toBeGreaterThan(0);
    expect(exportedX.names.slice(0, literal.length), 'old names up to a point, new ones after').toEqual(literal);

    // Y: B's behaviour only.
    const historiesY = await executions(env, y);
    for (const { history } of historiesY) expect(new Set(taskBuilds(history))).toEqual(new Set(['build-b']));
    const exportedY = await readExport(bucketY, 'logs/');
    expectExactlyOnce(exportedY, expected);
    expect(exportedY.names.every((name) => name.startsWith('logs/2025/05/'))).toBe(true);

    // Both workflows run on B as auto-upgrade workflows.
    for (const handle of [x, y]) {
      const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
      expect(info?.deploymentVersion?.buildId).toBe('build-b');
      expect(info?.behavior).toBe(temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
    }

    // Every execution, recorded under versioning across the roll-out, replays on the current code.
    const all = [...historiesX, ...historiesY].map(({ history }, i) => ({ workflowId: `execution-${i}`, history }));
    const replays = Worker.runReplayHistories({ workflowBundle: await exportWorkflowBundle(), dataConverter: testDataConverter() }, all);
    for await (const result of replays) expect(result.error, `replay of ${result.workflowId}`).toBeUndefined();

    // AUDITFLOW_RECORD_HISTORIES=<name> keeps X's executions as fixtures, which replay.test.ts replays on every run.
    const name = process.env.AUDITFLOW_RECORD_HISTORIES;
    if (name) {
      const dir = path.join(repoRoot, 'test/fixtures/histories');
      mkdirSync(dir, { recursive: true });
      historiesX.forEach(({ json }, i) => writeFileSync(path.join(dir, `${name}-upgrade-a-to-b-${i}.json`), json));
    }
    await x.signal(deleteSignal);
    await y.signal(deleteSignal);
  });
});
