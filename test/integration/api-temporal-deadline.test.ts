// Issue 10, item 3: a Temporal that stops answering costs the API a few seconds and a 503, never a hung
// request; and a create retried with the same Idempotency-Key after such a 503 makes one integration.
// The API talks to the shared dev server through a TCP proxy that this test stalls (the dev server
// itself is never stopped: other test files use it).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrationIdForKey } from '../../api/idempotency';
import type { Integration } from '../../api/schemas/integration';
import { EXPORT_WORKFLOW_TYPE, IntegrationIdAttribute } from '../../workflows/definitions';
import { integrationBody, startApiHarness, waitFor, type ApiHarness } from '../helpers/api';
import { startStallProxy, type StallProxy } from '../helpers/stall-proxy';

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };
// Short enough to test, long enough for eight concurrent creates on a busy two-core machine.
const TIMEOUT_MS = 4_000;

describe('a Temporal that does not answer', () => {
  let proxy: StallProxy;
  let h: ApiHarness;
  beforeAll(async () => {
    proxy = await startStallProxy(inject('temporalAddress'));
    h = await startApiHarness({ temporalAddress: proxy.address, temporalTimeoutMs: TIMEOUT_MS });
  });
  afterEach(() => proxy?.resume());
  afterAll(async () => {
    proxy?.resume();
    // No worker polls this queue: end what the tests started (exports and destination claims).
    for await (const info of h.env.client.workflow.list({ query: `TaskQueue = "${h.env.settings.taskQueue}" AND ExecutionStatus = "Running"` })) {
      await h.env.client.workflow.getHandle(info.workflowId).terminate('test cleanup');
    }
    await h?.close();
    await proxy?.close();
  });

  const timed = async <T>(request: Promise<T>) => {
    const started = Date.now();
    const response = await request;
    return { response, ms: Date.now() - started };
  };
  const body = (prefix: string) => {
    const b = integrationBody({ bucket: 'deadline-bucket' });
    return { ...b, destination: { ...b.destination, prefix } };
  };

  it('answers /readyz within 2 s and every /v1 route with 503 temporal_unavailable within its deadline', async () => {
    expect((await h.request('GET', '/readyz', { token: null })).status).toBe(200);
    proxy.stall();
    const ready = await timed(h.request<ErrorBody>('GET', '/readyz', { token: null }));
    expect(ready.response).toMatchObject({ status: 503, body: { error: { code: 'temporal_unavailable' } } });
    expect(ready.ms).toBeLessThan(2_000);

    const id = randomUUID();
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/v1/integrations'],
      ['GET', `/v1/integrations/${id}`],
      ['POST', '/v1/integrations', body(`stalled-${randomUUID()}/`)],
      ['POST', `/v1/integrations/${id}/pause`],
      ['POST', `/v1/integrations/${id}/run`],
      ['DELETE', `/v1/integrations/${id}`],
      ['DELETE', `/v1/integrations/${id}?releaseDestination=true`],
    ];
    // All at once: none waits for another, and none may hang.
    const results = await Promise.all(calls.map(([method, path, b]) => timed(h.request<ErrorBody>(method, path, { body: b }))));
    for (const [i, { response, ms }] of results.entries()) {
      const [method, path] = calls[i]!;
      expect(response, `${method} ${path}`).toMatchObject({ status: 503, body: { error: { code: 'temporal_unavailable', details: [] } } });
      expect(ms, `${method} ${path}`).toBeLessThan(TIMEOUT_MS + 1_500);
    }
    proxy.resume();
    await waitFor('the API to be ready again', async () => ((await h.request('GET', '/readyz', { token: null })).status === 200 ? true : undefined), 30_000);
  });

  it('makes one integration of a create retried with the same Idempotency-Key, and answers every retry like the first', async () => {
    const key = randomUUID();
    const headers = { 'idempotency-key': key };
    const request = body(`idempotent-${randomUUID()}/`);
    proxy.stall();
    const timedOut = await h.request<ErrorBody>('POST', '/v1/integrations', { body: request, headers });
    expect(timedOut.status).toBe(503);
    // The bytes of the timed-out create are still on their way; once they arrive it may take effect.
    proxy.resume();

    const first = await h.request<Integration>('POST', '/v1/integrations', { body: request, headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.id).toBe(integrationIdForKey(key));
    const retries = await Promise.all(Array.from({ length: 6 }, () => h.request<Integration>('POST', '/v1/integrations', { body: request, headers })));
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
    }
    const { count } = await h.env.client.workflow.count(`WorkflowType = "${EXPORT_WORKFLOW_TYPE}" AND ${IntegrationIdAttribute.name} = "${first.body.id}"`);
    expect(count).toBe(1);

    // The same key for another request is refused, and changes nothing.
    const other = await h.request<ErrorBody>('POST', '/v1/integrations', { body: { ...request, name: 'another name' }, headers });
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused', details: [] } } });
    // Without a key the same body is a new integration, refused because the destination is taken.
    expect((await h.request<ErrorBody>('POST', '/v1/integrations', { body: request })).body.error.code).toBe('destination_in_use');

    // Concurrent first attempts of one key agree on one integration too.
    const freshKey = randomUUID();
    const fresh = body(`idempotent-${randomUUID()}/`);
    const together = await Promise.all(
      Array.from({ length: 8 }, () => h.request<Integration>('POST', '/v1/integrations', { body: fresh, headers: { 'idempotency-key': freshKey } })),
    );
    expect(together.map((r) => r.status)).toEqual(Array(8).fill(201));
    for (const r of together) expect(r.body).toEqual(together[0]!.body);
  });
});
