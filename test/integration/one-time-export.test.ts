// One-time exports end to end (workflows/one-time-export.ts): real worker, dev server, GCS emulator,
// the fake Mondoo API. The range's edges hold late events; the workflow is started directly so the
// late-arrival window can be seconds (the API's minimum is a minute).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@temporalio/worker';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import {
  cancelExportSignal,
  ONE_TIME_EXPORT_WORKFLOW_TYPE,
  oneTimeExportStatusQuery,
  oneTimeExportWorkflowId,
  type OneTimeExportConfig,
  type OneTimeExportView,
} from '../../workflows/one-time-export-definitions';
import { createFakeMondoo, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport } from '../helpers/export';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
const isoSecond = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

function node(second: number, msg: string, space: string): MondooAuditNode {
  return {
    identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/jane' },
    resource: `//agents.api.mondoo.app/organizations/${ORG}/serviceaccounts/sa-1`,
    action: 'mondoo.agents.AgentManager.CreateServiceAccount',
    timestamp: isoSecond(second),
    msg,
    ip: '203.0.113.7',
    parent: spaceMrn(space),
  };
}

describe('one-time export workflow', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 10, start: '2025-06-01T00:00:00Z', perSecond: 1, seed: 3 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  function start(space: string, bucket: string, range: { from: string; to: string }, lateArrivalSeconds: number) {
    const base = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn: spaceMrn(space), bucket, limits: { maxEventsPerFile: 2 } });
    const config: OneTimeExportConfig = { ...base, includeHistorical: false, limits: { ...base.limits, lateArrivalSeconds }, range };
    return env.client.workflow.start(ONE_TIME_EXPORT_WORKFLOW_TYPE, {
      taskQueue: env.settings.taskQueue,
      workflowId: oneTimeExportWorkflowId(randomUUID()),
      args: [{ config }],
    });
  }

  it('exports exactly the events of [from, to), once, including the ones that arrive late at either edge', async () => {
    const space = `edge-${Date.now()}`;
    const bucket = await createTestBucket();
    // A short, recent range: the late events below are late by less than the window, as the contract requires.
    const to = Math.floor(Date.now() / 1000) - 1;
    const from = to - 3;
    const at = (second: number, msg: string) => node(second, msg, space);
    const scope = { org: ORG, space };
    mondoo.store.add(
      [
        at(from - 1, 'just before from'),
        at(from, 'at from'),
        at(from, 'at from'),
        at(from + 1, 'inside'),
        at(to - 1, 'last second'),
        at(to, 'at to'),
        at(to + 1, 'after'),
      ],
      scope,
    );
    const handle = await start(space, bucket, { from: isoSecond(from), to: isoSecond(to) }, 8);
    // The first pass has run when the status shows its events; then late events appear at both edges.
    await waitForView(handle, (v) => v.progress.events === 4);
    mondoo.store.add([at(to - 1, 'late, last second'), at(from, 'late, at from'), at(to, 'late, at to'), at(from - 1, 'late, before from')], scope);
    const result = (await handle.result()) as OneTimeExportView;

    const inRange = mondoo.store.all(spaceMrn(space)).filter((n) => Date.parse(n.timestamp) >= from * 1000 && Date.parse(n.timestamp) < to * 1000);
    expect(inRange).toHaveLength(6);
    expect(result).toMatchObject({ status: 'completed', progress: { events: 6 } });
    const exported = await readExport(bucket);
    // Keys as a pass from the range's start numbers them (two identical events at `from`).
    expectExactlyOnce(exported, expectedKeys(inRange));
    expect(exported.names[0]).toBe(`mondoo/space-${space}-audit-logs-1-2.jsonl`);
  });

  it('a cancel stops it while it waits for late events; what it wrote stays', async () => {
    const space = `cancel-${Date.now()}`;
    const bucket = await createTestBucket();
    const to = Math.floor(Date.now() / 1000) - 1;
    mondoo.store.add([node(to - 3, 'one', space), node(to - 2, 'two', space)], { org: ORG, space });
    const handle = await start(space, bucket, { from: isoSecond(to - 10), to: isoSecond(to) }, 3600);
    const waiting = await waitForView(handle, (v) => v.progress.events === 2);
    expect(waiting).toMatchObject({ status: 'running', lastPassAt: new Date((to + 3601) * 1000).toISOString() });
    await handle.signal(cancelExportSignal);
    expect(await handle.result()).toMatchObject({ status: 'cancelled', progress: { events: 2, files: 1 } });
    expect((await readExport(bucket)).names).toEqual([`mondoo/space-${space}-audit-logs-1-2.jsonl`]);
  });
});

async function waitForView(
  handle: { query: (q: typeof oneTimeExportStatusQuery) => Promise<OneTimeExportView> },
  done: (v: OneTimeExportView) => boolean,
  timeoutMs = 60_000,
): Promise<OneTimeExportView> {
  const deadline = Date.now() + timeoutMs;
  let last: OneTimeExportView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(oneTimeExportStatusQuery).catch(() => last);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`export view condition not met; last: ${JSON.stringify(last)}`);
}
