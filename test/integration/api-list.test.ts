// GET /v1/integrations a page at a time, narrowed by source type through the SourceType search
// attribute. No worker: the API alone starts the workflows, with their memo and search attributes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationList } from '../../api/schemas/integration';
import { integrationBody, startApiHarness, waitFor, type ApiHarness } from '../helpers/api';

describe('listing integrations', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    // No worker polls this queue: end the workflows so nothing lingers.
    for await (const info of h.env.client.workflow.list({ query: `TaskQueue = "${h.env.settings.taskQueue}" AND ExecutionStatus = "Running"` })) {
      await h.env.client.workflow.getHandle(info.workflowId).terminate('test cleanup');
    }
    await h?.close();
  });

  async function create(source?: Record<string, unknown>): Promise<Integration> {
    const bucket = `list-${randomUUID().slice(0, 8)}`;
    const body = integrationBody({ bucket }, source ? { source } : {});
    const response = await h.request<Integration>('POST', '/v1/integrations', { body });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  it('pages newest first with limit and pageToken, each integration once, and filters by sourceType', async () => {
    const mondoo1 = await create();
    const endor = await create({ type: 'endorlabs', namespace: `list-${randomUUID().slice(0, 8)}`, apiKey: 'k', apiSecret: 's' });
    const mondoo2 = await create();
    const mine = new Set([mondoo1.id, endor.id, mondoo2.id]);

    /** Pages of `limit` until all of mine were seen (they are the newest, bar other tests' creates). */
    const pages = async (query: string, limit: number) => {
      const seen: Integration[] = [];
      let token: string | undefined;
      for (let page = 0; page < 50; page++) {
        const response = await h.request<IntegrationList>('GET', `/v1/integrations?limit=${limit}${query}${token ? `&pageToken=${token}` : ''}`);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect(response.body.integrations.length).toBeLessThanOrEqual(limit);
        seen.push(...response.body.integrations);
        token = response.body.nextPageToken;
        if (!token || seen.filter((i) => mine.has(i.id)).length === mine.size) break;
      }
      return seen;
    };
    await waitFor('all three in visibility', async () => ((await pages('', 100)).filter((i) => mine.has(i.id)).length === 3 ? true : undefined));

    const all = await pages('', 2);
    const ids = all.map((i) => i.id);
    expect(new Set(ids).size, 'no integration on two pages').toBe(ids.length);
    expect(ids.filter((id) => mine.has(id))).toEqual([mondoo2.id, endor.id, mondoo1.id]);
    // Newest first across page boundaries.
    const created = all.map((i) => i.createdAt);
    expect(created).toEqual([...created].sort().reverse());

    const endorOnly = await pages('&sourceType=endorlabs', 1);
    expect(endorOnly.every((i) => i.source.type === 'endorlabs')).toBe(true);
    expect(endorOnly.map((i) => i.id)).toContain(endor.id);
    const mondooOnly = await pages('&sourceType=mondoo&status=active', 1);
    expect(mondooOnly.every((i) => i.source.type === 'mondoo' && i.status === 'active')).toBe(true);
    expect(mondooOnly.filter((i) => mine.has(i.id)).map((i) => i.id)).toEqual([mondoo2.id, mondoo1.id]);

    // The last page says so by carrying no token.
    const { body } = await h.request<IntegrationList>('GET', `/v1/integrations?limit=1000&sourceType=endorlabs`);
    expect(body.nextPageToken).toBeUndefined();
  });
});
