// Filters end to end: through the API, the real workflow and worker, the fake Mondoo API and the GCS
// emulator. Only matching events land in the bucket, each once, numbered 1..N; later runs export only
// new matching events (the filtered-out ones are passed over for good, not re-read or exported later).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import { orgMrn } from '../../sandbox/mondoo';
import { integrationBody, startApiHarness, TEST_ORG, waitForIntegration, type ApiHarness } from '../helpers/api';
import { expectedKeys, expectExactlyOnce, readExport } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';

const nowSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('integration filters', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  it('exports only the events whose action is listed, exactly once, and totals count only those', async () => {
    const nodes = (): MondooAuditNode[] => h.mondoo!.store.all(orgMrn(TEST_ORG)) as MondooAuditNode[];
    const history = nodes();
    // The two most frequent actions of the generated log.
    const counts = new Map<string, number>();
    for (const node of history) counts.set(node.action, (counts.get(node.action) ?? 0) + 1);
    const actions = [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([action]) => action)
      .slice(0, 2);
    const matching = (all: MondooAuditNode[]) => {
      const keys = expectedKeys(all);
      return keys.filter((_, i) => actions.includes(all[i]!.action));
    };

    const bucket = await createTestBucket();
    const body = integrationBody({ bucket, mondoo: h.mondoo }, { filters: { actions } });
    const created = await h.request<Integration>('POST', '/v1/integrations', { body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.filters).toEqual({ actions });
    const { id } = created.body;

    const first = await waitForIntegration(h, id, (d) => d.lastRun?.outcome === 'completed');
    const expected = matching(history);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(history.length);
    expect(first.filters).toEqual({ actions });
    expect(first.totals!.events).toBe(expected.length);
    expectExactlyOnce(await readExport(bucket), expected);

    // One new event of a listed action and one of another: the next run adds only the first.
    const event = (action: string): MondooAuditNode => ({
      identity: null,
      resource: null,
      action,
      timestamp: nowSecond(),
      msg: randomUUID(),
      ip: null,
      parent: orgMrn(TEST_ORG),
    });
    h.mondoo!.store.add([event(actions[0]!), event('mondoo.test.NotListed')], { org: TEST_ORG, space: 'filters' });
    for (let run = 0; run < 2; run++) {
      const before = (await h.request<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body.lastRun!.startedAt;
      expect((await h.request('POST', `/v1/integrations/${id}/run`)).status).toBe(202);
      await waitForIntegration(h, id, (d) => d.lastRun?.startedAt !== before && d.lastRun?.outcome === 'completed');
    }
    const all = matching(nodes());
    expect(all.length).toBe(expected.length + 1);
    const done = (await h.request<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body;
    expect(done.totals!.events).toBe(all.length);
    expectExactlyOnce(await readExport(bucket), all);

    expect((await h.request('DELETE', `/v1/integrations/${id}`)).status).toBe(202);
  });
});
