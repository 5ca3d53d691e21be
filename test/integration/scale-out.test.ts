// Scale-out: two worker processes and two API processes (what `npm run worker` and `npm run api` run) on
// one namespace and task queue, 50 integrations created through both APIs, each backfilling a history of
// several batches. One worker is SIGKILLed mid-backfill and one API restarted: every export completes
// exactly once, both workers took work, and both APIs answer the same state.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationDetail, IntegrationList } from '../../api/schemas/integration';
import { freePort } from '../../lib/child-process';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { DEFAULT_LIMITS, statusQuery, type ExportStatusView } from '../../workflows/definitions';
import { integrationBody } from '../helpers/api';
import { startApiProcess, type ApiProcess } from '../helpers/api-process';
import { expectedKeys } from '../helpers/export';
import { createTestBucket, readObjects } from '../helpers/gcs';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const INTEGRATIONS = 50;
/** Two batches each (3,000 + 300 events, DEFAULT_LIMITS.maxEventsPerBatch): a backfill, not one shot. */
const EVENTS = (DEFAULT_LIMITS.maxEventsPerBatch ?? 3000) + 300;
const ORG = 'scale-out-7r2k9d';
const TOKEN = 'scale-out-token';
/** Settings the workers run with: the concurrency limits must reach the SDK (checked in its slot metrics). */
const ACTIVITY_SLOTS = 24;
const WORKER_ENV = {
  AUDITFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES: String(ACTIVITY_SLOTS),
  AUDITFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '8',
  AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '16',
  // Room for every integration once one worker is left.
  AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: String(INTEGRATIONS + 14),
};

interface RunningWorker {
  process: WorkerProcess;
  metricsUrl: string;
}

/** The sum of a metric's series (those whose labels include `labels`) in one scrape of the worker's /metrics. */
async function metrics(worker: RunningWorker, labels: string, ...names: string[]): Promise<number> {
  const lines = (await (await fetch(worker.metricsUrl)).text()).split('\n');
  return lines
    .filter((line) => names.some((name) => line.startsWith(`${name}{`)) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Every integration the API lists (the namespace holds other tests' too), page by page. */
async function listAll(api: ApiProcess): Promise<Integration[]> {
  const all: Integration[] = [];
  for (let token: string | undefined; ;) {
    const page = await api.request<IntegrationList>('GET', `/v1/integrations?limit=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.integrations);
    token = page.body.nextPageToken;
    if (!token) return all;
  }
}

describe('scale-out: two workers and two APIs on one task queue', () => {
  const taskQueue = `scale-out-${randomUUID()}`;
  let env: TestEnv;
  let mondoo: FakeMondoo;
  let bucket: string;
  let first: RunningWorker;
  let second: RunningWorker;
  let apiA: ApiProcess;
  let apiB: ApiProcess;
  const stoppable: Array<{ stop(): Promise<void> }> = [];

  const startWorker = async (): Promise<RunningWorker> => {
    const port = await freePort();
    const worker = await startWorkerProcess(taskQueue, { ...WORKER_ENV, AUDITFLOW_METRICS_PORT: String(port) });
    stoppable.push({ stop: () => worker.kill() });
    return { process: worker, metricsUrl: `http://127.0.0.1:${port}/metrics` };
  };
  const startApi = async (): Promise<ApiProcess> => {
    const api = await startApiProcess({ taskQueue, token: TOKEN });
    stoppable.push(api);
    return api;
  };

  // The processes' start-up (each worker bundles the workflows) is not what is tested: it is done here.
  beforeAll(async () => {
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ orgs: [{ id: ORG, spaces: [] }], generated: { count: EVENTS, start: '2025-04-01T00:00:00Z', perSecond: 5, seed: 15 } });
    [first, second, apiA, apiB, bucket] = await Promise.all([startWorker(), startWorker(), startApi(), startApi(), createTestBucket()]);
  });
  afterAll(async () => {
    await Promise.all(stoppable.map((p) => p.stop()));
    await mondoo?.close();
    await env?.close();
  });

  it('exports every event exactly once through a worker SIGKILL and an API restart, with both workers working and both APIs agreeing', async () => {
    const started = Date.now();
    const apis = [apiA, apiB];
    // Progress lines: on a slow machine they say which phase took the time.
    const phase = (what: string) => console.log(`scale-out +${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);

    // 50 integrations, alternately through each API, 10 requests at a time.
    const created: Integration[] = [];
    for (let i = 0; i < INTEGRATIONS; i += 10) {
      const responses = await Promise.all(
        Array.from({ length: Math.min(10, INTEGRATIONS - i) }, (_, j) => {
          const n = i + j;
          const body = integrationBody({ bucket, mondoo, scopeMrn: orgMrn(ORG) }, { name: `Scale-out ${n}` });
          return apis[n % 2]!.request<Integration>('POST', '/v1/integrations', { ...body, destination: { ...body.destination, prefix: `scale-${n}/` } });
        }),
      );
      for (const response of responses) {
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        created.push(response.body);
      }
    }
    const createdIn = Date.now() - started;
    phase(`${INTEGRATIONS} integrations created`);

    // Mid-backfill: both workers have exported events, a tenth of all of them is in the bucket.
    const total = INTEGRATIONS * EVENTS;
    const exportedBy = (worker: RunningWorker) => metrics(worker, `taskQueue="${taskQueue}"`, 'auditflow_events_exported');
    let atKill: { first: number; second: number };
    for (const deadline = Date.now() + 120_000; ;) {
      atKill = { first: await exportedBy(first), second: await exportedBy(second) };
      if (atKill.first > 0 && atKill.second > 0 && atKill.first + atKill.second >= total / 10) break;
      expect(Date.now(), `progress before the kill: ${JSON.stringify(atKill)}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(atKill.first, 'events the first worker exported').toBeGreaterThan(0);
    expect(atKill.second, 'events the second worker exported').toBeGreaterThan(0);
    // The limits set by AUDITFLOW_WORKER_* reach the SDK: its free plus used activity slots (a slot a poller
    // has reserved for the task it waits for is neither) are the 24 set, not the default 100.
    const slots = await metrics(first, 'worker_type="ActivityWorker"', 'temporal_worker_task_slots_available', 'temporal_worker_task_slots_used');
    expect(slots).toBeLessThanOrEqual(ACTIVITY_SLOTS);
    expect(slots).toBeGreaterThan(ACTIVITY_SLOTS / 2);
    await first.process.kill();
    const killedAt = Date.now() - started;
    phase(`first worker killed after ${atKill.first} + ${atKill.second} events exported`);
    expect(atKill.first + atKill.second, 'events exported when the worker was killed').toBeLessThan(total);

    // An API process goes away and comes back (a rolling restart behind a load balancer).
    await apiB.restart();
    phase('second API restarted');

    const done = new Map<string, ExportStatusView>();
    for (const deadline = Date.now() + 150_000; done.size < INTEGRATIONS;) {
      expect(Date.now(), `backfills done: ${done.size} of ${INTEGRATIONS}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 1_000));
      await Promise.all(
        created
          .filter((integration) => !done.has(integration.id))
          .map(async (integration) => {
            const status = await env.client.workflow
              .getHandle(integration.workflowId)
              .query(statusQuery)
              .catch(() => undefined); // between two runs of a continue-as-new chain, or its worker just died
            if (status?.lastRun?.outcome === 'completed') done.set(integration.id, status);
          }),
      );
    }
    const finishedAt = Date.now() - started;
    phase('every backfill done');
    expect(await exportedBy(second), 'events the surviving worker exported after the kill').toBeGreaterThan(atKill.second);

    // Exactly once: each prefix's objects tile 1..N and hold every event of the scope once.
    const expected = new Set(expectedKeys(mondoo.store.all(orgMrn(ORG))));
    expect(expected.size).toBe(EVENTS);
    await Promise.all(
      created.map(async (integration, n) => {
        expect(done.get(integration.id)?.totals.events, integration.name).toBe(EVENTS);
        const keys = exportedKeys(await readObjects(bucket, `scale-${n}/`), `scale-${n}/`);
        expect(keys.size, `events under scale-${n}/`).toBe(EVENTS);
        for (const key of keys) expect(expected.has(key), `${key} under scale-${n}/ is not a source event`).toBe(true);
      }),
    );

    phase('bucket checked');
    // Both APIs answer the same: the list and every integration's detail.
    const [listA, listB] = await Promise.all([listAll(apiA), listAll(apiB)]);
    const ours = (list: Integration[]) => list.filter((i) => created.some((c) => c.id === i.id));
    expect(ours(listA)).toHaveLength(INTEGRATIONS);
    expect(ours(listB)).toEqual(ours(listA));
    await Promise.all(
      created.map(async (integration) => {
        const [a, b] = await Promise.all(apis.map((api) => api.request<IntegrationDetail>('GET', `/v1/integrations/${integration.id}`)));
        expect(a!.status).toBe(200);
        expect(a!.body).toMatchObject({ id: integration.id, name: integration.name, status: 'active', totals: { events: EVENTS } });
        expect(b!.body).toEqual(a!.body);
      }),
    );
    console.log(
      `scale-out: ${INTEGRATIONS} integrations × ${EVENTS} events, created in ${createdIn} ms, worker killed at ${killedAt} ms ` +
        `(${atKill.first} + ${atKill.second} events exported), all done at ${finishedAt} ms, checked at ${Date.now() - started} ms; ` +
        `surviving worker's peak RSS ${peakRssMb(second.process.proc.child.pid)} MB`,
    );
    await Promise.all(created.map((integration, n) => apis[n % 2]!.request('DELETE', `/v1/integrations/${integration.id}`)));
  });
});

/** A process's peak resident set (Linux: VmHWM), for the sizing figures in docs/operations.md. */
function peakRssMb(pid: number | undefined): string {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? (Number(kb) / 1024).toFixed(0) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The event keys under one prefix, asserting what every export keeps: object ranges tile 1..N without
 * gap or overlap, each object holds its range's count, no event twice.
 */
function exportedKeys(objects: Map<string, string>, prefix: string): Set<string> {
  const ranges = [...objects.keys()]
    .map((name) => {
      const match = /-audit-logs-(\d+)-(\d+)\.jsonl(\.gz)?$/.exec(name);
      expect(match, name).not.toBeNull();
      return { name, from: Number(match![1]), to: Number(match![2]) };
    })
    .sort((a, b) => a.from - b.from);
  const keys = new Set<string>();
  let next = 1;
  for (const range of ranges) {
    expect(range.from, `${range.name} continues the sequence`).toBe(next);
    const lines = objects.get(range.name)!.split('\n').filter(Boolean);
    expect(lines.length, `${range.name} holds its range`).toBe(range.to - range.from + 1);
    for (const line of lines) {
      const key = (JSON.parse(line) as { metadata: { uid: string } }).metadata.uid;
      expect(keys.has(key), `${key} twice under ${prefix}`).toBe(false);
      keys.add(key);
    }
    next = range.to + 1;
  }
  return keys;
}
