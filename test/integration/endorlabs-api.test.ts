// An Endor Labs integration through the API: validation, the secret-free view, the scope slug in
// object names and in the destination check, and the first export.
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import { createFakeEndorLabs, type FakeEndorLabs } from '../../sandbox/endorlabs';
import { startApiHarness, waitForIntegration, type ApiHarness } from '../helpers/api';
import { createTestBucket, readObjects } from '../helpers/gcs';
import { testDataConverter } from '../helpers/temporal';

const NS = 'acme.prod';

describe('Endor Labs integrations through the API', () => {
  let h: ApiHarness;
  let endor: FakeEndorLabs;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
    endor = await createFakeEndorLabs();
    endor.store.generate(NS, { count: 420, start: Date.now() - 86_400_000, seed: 31 });
    endor.store.generate('acme.backfill', { count: 300, start: Date.now() - 2 * 86_400_000, perSecond: 0.002, seed: 37 });
  });
  afterAll(async () => {
    await endor?.close();
    await h?.close();
  });

  const body = (bucket: string, source: Record<string, unknown> = {}) => ({
    name: 'Endor Labs audit logs',
    source: { type: 'endorlabs', namespace: NS, apiKey: endor.apiKey, apiSecret: endor.apiSecret, endpoint: endor.url, ...source },
    destination: { type: 'gcs', bucket, prefix: 'endorlabs/', endpoint: inject('gcsEndpoint') },
    includeHistorical: true,
  });

  it('creates an integration without echoing the key or the secret; its first export lands as endorlabs-<namespace> objects', async () => {
    const bucket = await createTestBucket();
    const response = await h.request<Integration>('POST', '/v1/integrations', { body: body(bucket) });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.source).toEqual({ type: 'endorlabs', namespace: NS, endpoint: endor.url });
    expect(JSON.stringify(response.body)).not.toContain(endor.apiSecret);
    expect(JSON.stringify(response.body)).not.toContain(endor.apiKey);

    const done = await waitForIntegration(h, response.body.id, (d: IntegrationDetail) => d.lastRun?.outcome === 'completed');
    expect(done.totals).toEqual({ events: 420, files: 1 });
    expect([...(await readObjects(bucket, 'endorlabs/')).keys()]).toEqual(['endorlabs/endorlabs-acme-prod-audit-logs-1-420.jsonl']);
    expect(JSON.stringify(done)).not.toContain(endor.apiSecret);

    // The workflow input, decoded as the Temporal UI would: the key and the secret are sealed to the workers.
    const history = await h.env.client.workflow.getHandle(response.body.workflowId).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const [opened] = await testDataConverter().payloadCodecs![0]!.decode([started]);
    const input = JSON.stringify(defaultPayloadConverter.fromPayload(opened!));
    expect(input).toMatch(/"apiKey":\{"sealed":"eyJ[\w.-]+"\}/);
    expect(input).toMatch(/"apiSecret":\{"sealed":"eyJ[\w.-]+"\}/);
    expect(input).not.toContain(endor.apiSecret);
    // Endor Labs' own late-arrival window, since the integration set none.
    expect((JSON.parse(input) as { config: { limits: { lateArrivalSeconds: number } } }).config.limits.lateArrivalSeconds).toBe(120);

    // acme-prod has the same slug as acme.prod: writing to the same place would collide, so it is refused.
    const clash = await h.request<{ error: { code: string } }>('POST', '/v1/integrations', { body: body(bucket, { namespace: 'acme-prod' }) });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('destination_in_use');
  });

  it('refuses a namespace outside Endor Labs rules and a missing secret with the field and the reason, starting nothing', async () => {
    const bucket = await createTestBucket();
    const bad = await h.request<{ error: { code: string; details: Array<{ path: string; message: string }> } }>('POST', '/v1/integrations', {
      body: body(bucket, { namespace: 'Acme_Prod', apiSecret: '' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'source.namespace', message: expect.stringMatching(/lowercase letters, digits/) },
        { path: 'source.apiSecret', message: expect.stringMatching(/must not be empty/) },
      ]),
    );
  });

  it("backfillFrom: the first run exports from that second on, with the integration's own late-arrival window", async () => {
    const bucket = await createTestBucket();
    const from = new Date(Date.now() - 12 * 3_600_000).toISOString();
    const response = await h.request<Integration>('POST', '/v1/integrations', {
      body: { ...body(bucket), source: { ...body(bucket).source, namespace: 'acme.backfill' }, backfillFrom: from, lateArrivalSeconds: 90 },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ backfillFrom: from, lateArrivalSeconds: 90, includeHistorical: true });
    const fromSecond = Math.floor(Date.parse(from) / 1000);
    const expected = endor.store.all('acme.backfill').filter((r) => Math.floor(Date.parse(r.meta.create_time) / 1000) >= fromSecond);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(endor.store.count('acme.backfill'));
    const done = await waitForIntegration(h, response.body.id, (d: IntegrationDetail) => d.lastRun?.outcome === 'completed');
    expect(done.totals?.events).toBe(expected.length);
    const history = await h.env.client.workflow.getHandle(response.body.workflowId).fetchHistory();
    const [opened] = await testDataConverter().payloadCodecs![0]!.decode([history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!]);
    expect((defaultPayloadConverter.fromPayload(opened!) as { config: { limits: { lateArrivalSeconds: number } } }).config.limits.lateArrivalSeconds).toBe(90);
  });

  it('refuses a backfillFrom past the 30-day retention or in the future, and a late-arrival window out of range', async () => {
    const bucket = await createTestBucket();
    type Failure = { error: { details: Array<{ path: string; message: string }> } };
    const old = await h.request<Failure>('POST', '/v1/integrations', {
      body: { ...body(bucket), backfillFrom: new Date(Date.now() - 31 * 86_400_000).toISOString() },
    });
    expect(old.status).toBe(400);
    expect(old.body.error.details).toEqual([
      { path: 'backfillFrom', message: expect.stringMatching(/older than the 30 days of audit logs the endorlabs source keeps online .*archive.*use \d{4}-/) },
    ]);
    const future = await h.request<Failure>('POST', '/v1/integrations', { body: { ...body(bucket), backfillFrom: '2999-01-01T00:00:00Z' } });
    expect(future.body.error.details).toEqual([{ path: 'backfillFrom', message: 'backfillFrom must be in the past' }]);
    const notTime = await h.request<Failure>('POST', '/v1/integrations', { body: { ...body(bucket), backfillFrom: 'yesterday' } });
    expect(notTime.body.error.details).toEqual([{ path: 'backfillFrom', message: expect.stringMatching(/RFC 3339/) }]);
    const late = await h.request<Failure>('POST', '/v1/integrations', { body: { ...body(bucket), lateArrivalSeconds: 30 } });
    expect(late.body.error.details).toEqual([{ path: 'lateArrivalSeconds', message: 'lateArrivalSeconds must be at least 60' }]);
  });
});
