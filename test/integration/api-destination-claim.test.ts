// Issue 10, item 1: one destination, one integration, decided atomically by Temporal. Concurrent creates
// of the same bucket, prefix and scope get exactly one 201; the same endpoint spelled differently is
// the same destination; a deleted integration keeps its destination until it is released on purpose.
// The real API in-process, the real dev server, a real worker, the GCS emulator and the fake Mondoo.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimWorkflowIdFor } from '../../api/destination-claims';
import { MEMO_KEY, placeOf } from '../../api/integration-service';
import type { Integration } from '../../api/schemas/integration';
import { DEFAULT_LIMITS, defaultTiming, EXPORT_WORKFLOW_TYPE, IntegrationIdAttribute, workflowIdFor } from '../../workflows/definitions';
import { DESTINATION_CLAIM_WORKFLOW_TYPE } from '../../workflows/destination-claim';
import { orgMrn } from '../../sandbox/mondoo';
import { integrationBody, startApiHarness, TEST_ORG, waitFor, waitForIntegration, type ApiHarness } from '../helpers/api';
import { createTestBucket, readObjects } from '../helpers/gcs';
import { azuriteAccount, containerSas, createAzureTestContainer, readBlobs } from '../helpers/azure';
import { createS3TestBucket, createS3User, grantPutObject, readS3Objects, S3_REGION } from '../helpers/s3';

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };
/** A scope without events: its runs never write, so any bucket name will do. */
const QUIET = orgMrn('hooli-quiet-0c3u7j');

describe('destination claims', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  /** A create body for a destination no other test uses. */
  function bodyFor(bucket: string, prefix = 'mondoo/', destination: Record<string, unknown> = {}) {
    const body = integrationBody({ bucket, mondoo: h.mondoo, scopeMrn: QUIET });
    return { ...body, destination: { ...body.destination, prefix, ...destination } };
  }
  const uniqueBucket = () => `claims-${randomUUID().slice(0, 18)}`;
  const create = (body: unknown, headers?: Record<string, string>) => h.request<Integration & ErrorBody>('POST', '/v1/integrations', { body, headers });

  it('gives exactly one of 24 concurrent creates of one destination a 201; the others a 409 naming it, and start no export', async () => {
    const bucket = uniqueBucket();
    const responses = await Promise.all(Array.from({ length: 24 }, () => create(bodyFor(bucket))));
    const created = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 409);
    expect(
      created.map((r) => r.status),
      JSON.stringify(responses.map((r) => [r.status, r.body.error?.code])),
    ).toHaveLength(1);
    expect(refused).toHaveLength(23);
    const winner = created[0]!.body;
    for (const r of refused) {
      expect(r.body.error.code).toBe('destination_in_use');
      expect(r.body.error.message).toContain(winner.id);
    }
    // Only the winner's export exists: the losers started nothing but a failed claim.
    const listed = await waitFor('the winner in the list', async () => {
      const { integrations } = (await h.request<{ integrations: Integration[] }>('GET', '/v1/integrations')).body;
      const here = integrations.filter((i) => 'bucket' in i.destination && i.destination.bucket === bucket);
      return here.length > 0 ? here : undefined;
    });
    expect(listed.map((i) => i.id)).toEqual([winner.id]);
    expect((await h.request('DELETE', `/v1/integrations/${winner.id}`)).status).toBe(202);
  });

  it('treats the same endpoint spelled differently as the same destination', async () => {
    const endpoint = inject('gcsEndpoint');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const bucket = uniqueBucket();
    const first = await create(bodyFor(bucket, 'spelled/', { endpoint }));
    expect(first.status).toBe(201);
    const spellings = [
      `${endpoint}/`,
      endpoint.replace('http://', 'HTTP://'),
      endpoint.replace('127.0.0.1', 'localhost'),
      endpoint.replace('127.0.0.1', 'LocalHost'),
      endpoint.replace('127.0.0.1', '[::1]'),
      `${endpoint}/storage/v1/`,
      `${endpoint}/storage/v1`,
    ];
    for (const spelling of spellings) {
      const clash = await create(bodyFor(bucket, 'spelled/', { endpoint: spelling }));
      expect(clash.status, spelling).toBe(409);
      expect(clash.body.error.code).toBe('destination_in_use');
    }
    // The same names from another scope and prefix ("p/" + "org-org-x…" vs "p/org-" + "org-x…") collide too.
    const stemA = integrationBody({ bucket, mondoo: h.mondoo, scopeMrn: orgMrn('org-stem-x') });
    const a = await create({ ...stemA, destination: { ...stemA.destination, prefix: 'p/' } });
    expect(a.status).toBe(201);
    const stemB = integrationBody({ bucket, mondoo: h.mondoo, scopeMrn: orgMrn('stem-x') });
    expect((await create({ ...stemB, destination: { ...stemB.destination, prefix: 'p/org-' } })).status).toBe(409);
    for (const id of [first.body.id, a.body.id]) expect((await h.request('DELETE', `/v1/integrations/${id}`)).status).toBe(202);
  });

  it('S3: creates with a secret-free view and claims the bucket and prefix per store; the worker unseals the keys and exports', async () => {
    const s3Endpoint = inject('s3Endpoint');
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    const s3 = (scopeMrn: string, patch: Record<string, unknown> = {}) => {
      const body = integrationBody({ bucket, mondoo: h.mondoo, scopeMrn });
      return {
        ...body,
        destination: {
          type: 's3',
          bucket,
          region: S3_REGION,
          prefix: 'mondoo/',
          endpoint: s3Endpoint,
          forcePathStyle: true,
          credentials: { ...user },
          ...patch,
        },
      };
    };
    const created = await create(s3(orgMrn(TEST_ORG)));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.destination).toEqual({
      type: 's3',
      bucket,
      region: S3_REGION,
      prefix: 'mondoo/',
      endpoint: s3Endpoint,
      forcePathStyle: true,
      auth: 'accessKeys',
    });
    expect(JSON.stringify(created.body)).not.toContain(user.secretAccessKey);
    // The same bucket and prefix on the same store, however spelled: refused.
    for (const endpoint of [s3Endpoint, `${s3Endpoint}/`, s3Endpoint.replace('127.0.0.1', 'localhost')]) {
      const clash = await create(s3(orgMrn(TEST_ORG), { endpoint }));
      expect(clash.status, endpoint).toBe(409);
      expect(clash.body.error.code).toBe('destination_in_use');
    }
    // The same bucket name on GCS, or on AWS, is another bucket.
    const onGcs = await create(bodyFor(bucket));
    expect(onGcs.status, JSON.stringify(onGcs.body)).toBe(201);
    const onAws = await create(s3(QUIET, { endpoint: undefined, forcePathStyle: undefined }));
    expect(onAws.status, JSON.stringify(onAws.body)).toBe(201);
    for (const id of [onGcs.body.id, onAws.body.id]) expect((await h.request('DELETE', `/v1/integrations/${id}`)).status).toBe(202);

    // The secret went sealed through Temporal; the worker opened it and wrote with the least-privilege user.
    const done = await waitForIntegration(h, created.body.id, (d) => d.lastRun?.outcome === 'completed' || d.status === 'error');
    expect(done.status, JSON.stringify(done.lastError)).toBe('active');
    expect(done.totals!.files).toBeGreaterThan(0);
    expect((await readS3Objects(bucket, 'mondoo/')).size).toBe(done.totals!.files);
    expect((await h.request('DELETE', `/v1/integrations/${created.body.id}`)).status).toBe(202);
  });

  it('Azure Blob: creates with a secret-free view and claims account endpoint, container and prefix; the worker unseals the key and exports', async () => {
    const endpoint = inject('azuriteEndpoint');
    const { accountName, accountKey } = azuriteAccount();
    const container = await createAzureTestContainer();
    const azure = (scopeMrn: string, patch: Record<string, unknown> = {}) => ({
      ...integrationBody({ bucket: container, mondoo: h.mondoo, scopeMrn }),
      destination: { type: 'azure-blob', accountName, container, prefix: 'mondoo/', endpoint, credentials: { accountKey }, ...patch },
    });
    const created = await create(azure(orgMrn(TEST_ORG)));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.destination).toEqual({ type: 'azure-blob', accountName, container, prefix: 'mondoo/', endpoint, auth: 'accountKey' });
    expect(JSON.stringify(created.body)).not.toContain(accountKey);
    // The same container and prefix of the same account, however spelled and with whatever credential: refused.
    for (const patch of [
      { endpoint: `${endpoint}/` },
      { endpoint: endpoint.replace('127.0.0.1', 'localhost') },
      { credentials: { sasToken: containerSas(container, 'cw') } },
    ]) {
      const clash = await create(azure(orgMrn(TEST_ORG), patch));
      expect(clash.status, JSON.stringify(patch)).toBe(409);
      expect(clash.body.error.code).toBe('destination_in_use');
    }
    // Another prefix is another destination.
    const elsewhere = await create(azure(QUIET, { prefix: 'other/' }));
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    expect((await h.request('DELETE', `/v1/integrations/${elsewhere.body.id}`)).status).toBe(202);

    const done = await waitForIntegration(h, created.body.id, (d) => d.lastRun?.outcome === 'completed' || d.status === 'error');
    expect(done.status, JSON.stringify(done.lastError)).toBe('active');
    expect(done.totals!.files).toBeGreaterThan(0);
    expect((await readBlobs(container, 'mondoo/')).size).toBe(done.totals!.files);
    expect((await h.request('DELETE', `/v1/integrations/${created.body.id}`)).status).toBe(202);
  });

  it("keeps a deleted integration's destination claimed until DELETE ?releaseDestination=true; then a new create succeeds", async () => {
    const bucket = uniqueBucket();
    const body = bodyFor(bucket);
    const first = await create(body);
    expect(first.status).toBe(201);
    expect((await h.request('DELETE', `/v1/integrations/${first.body.id}`)).status).toBe(202);
    await waitForIntegration(h, first.body.id, (d) => d.status === 'deleted');
    const again = await create(body);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(first.body.id);

    expect((await h.request<ErrorBody>('DELETE', `/v1/integrations/${first.body.id}?releaseDestination=yes`)).body.error.code).toBe('validation_failed');
    expect((await h.request('DELETE', `/v1/integrations/${first.body.id}?releaseDestination=true`)).status).toBe(202);
    const second = await create(body);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    // The new holder's claim is not the old integration's to release.
    expect((await h.request('DELETE', `/v1/integrations/${first.body.id}?releaseDestination=true`)).status).toBe(202);
    expect((await create(body)).status).toBe(409);

    // Releasing an active integration deletes it too.
    expect((await h.request('DELETE', `/v1/integrations/${second.body.id}?releaseDestination=true`)).status).toBe(202);
    await waitForIntegration(h, second.body.id, (d) => d.status === 'deleted');
    const third = await create(body);
    expect(third.status).toBe(201);
    expect((await h.request('DELETE', `/v1/integrations/${third.body.id}`)).status).toBe(202);
  });

  it('releases the claim when the export cannot be started, so the destination is not lost', async () => {
    const body = bodyFor(uniqueBucket());
    const workflow = h.api.client.workflow;
    const start = workflow.start;
    workflow.start = ((...args: Parameters<typeof start>) => {
      if (args[0] === EXPORT_WORKFLOW_TYPE) return Promise.reject(new Error('the export could not be started'));
      return start.apply(workflow, args);
    }) as typeof start;
    try {
      expect((await create(body)).status).toBe(500);
    } finally {
      workflow.start = start;
    }
    const created = await create(body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await h.request('DELETE', `/v1/integrations/${created.body.id}`)).status).toBe(202);
  });

  it('still refuses the destination of an integration created before claims existed (and cannot release it)', async () => {
    const bucket = uniqueBucket();
    const id = randomUUID();
    const endpoint = inject('gcsEndpoint');
    const record = {
      id,
      workflowId: workflowIdFor(id),
      name: 'created before claims',
      source: { type: 'mondoo', scopeMrn: QUIET, endpoint: h.mondoo!.url },
      destination: { type: 'gcs', bucket, prefix: 'legacy/', endpoint: `${endpoint}/`, auth: 'ambient' },
      intervalMinutes: 60,
      includeHistorical: true,
      createdAt: new Date().toISOString(),
    };
    const config = {
      integrationId: id,
      name: record.name,
      source: { ...record.source, token: h.mondoo!.token },
      destination: { type: 'gcs', bucket, prefix: 'legacy/', endpoint: `${endpoint}/` },
      includeHistorical: true,
      createdAt: record.createdAt,
      intervalMinutes: 60,
      timing: defaultTiming(60),
      limits: DEFAULT_LIMITS,
    };
    // What the API started before claims existed: the export alone, with only the record in its memo.
    const handle = await h.env.client.workflow.start(EXPORT_WORKFLOW_TYPE, {
      taskQueue: h.env.settings.taskQueue,
      workflowId: record.workflowId,
      args: [{ config }],
      memo: { [MEMO_KEY]: record },
      typedSearchAttributes: [{ key: IntegrationIdAttribute, value: id }],
    });
    await waitFor('the legacy integration in visibility', async () =>
      (await h.request<{ integrations: Integration[] }>('GET', '/v1/integrations')).body.integrations.some((i) => i.id === id) ? true : undefined,
    );
    const clash = await create(bodyFor(bucket, 'legacy/', { endpoint: endpoint.replace('127.0.0.1', 'localhost') }));
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain(id);
    const release = await h.request<ErrorBody>('DELETE', `/v1/integrations/${id}?releaseDestination=true`);
    expect(release.status).toBe(409);
    expect(release.body.error.code).toBe('destination_not_releasable');
    // The refused create left no claim behind.
    const claim = await h.env.client.workflow
      .getHandle(
        claimWorkflowIdFor(
          placeOf({
            source: { type: 'mondoo', scopeMrn: QUIET, endpoint: '' },
            destination: { type: 'gcs', bucket, prefix: 'legacy/', endpoint, auth: 'ambient' },
          }),
        ),
      )
      .describe();
    expect(claim.status.name).not.toBe('RUNNING');
    await handle.terminate('test cleanup');
  });

  it('lists claims nowhere as integrations', async () => {
    const { integrations } = (await h.request<{ integrations: Integration[] }>('GET', '/v1/integrations')).body;
    expect(integrations.length).toBeGreaterThan(0);
    for (const integration of integrations) expect(integration.workflowId).toBe(workflowIdFor(integration.id));
    const { count } = await h.env.client.workflow.count(`WorkflowType = "${DESTINATION_CLAIM_WORKFLOW_TYPE}" AND TaskQueue = "${h.env.settings.taskQueue}"`);
    expect(count).toBeGreaterThan(0);
    const listed = new Set(integrations.map((i) => i.workflowId));
    for await (const claim of h.env.client.workflow.list({
      query: `WorkflowType = "${DESTINATION_CLAIM_WORKFLOW_TYPE}" AND TaskQueue = "${h.env.settings.taskQueue}"`,
    })) {
      expect(claim.workflowId).toMatch(/^destination-claim-[0-9a-f]{64}$/);
      expect(listed.has(claim.workflowId)).toBe(false);
    }
  });

  it('stores an endpoint spelled HTTP://…/storage/v1/ normalized, and the worker exports through it', async () => {
    const bucket = await createTestBucket();
    const endpoint = inject('gcsEndpoint');
    const body = integrationBody({ bucket, mondoo: h.mondoo, scopeMrn: orgMrn(TEST_ORG) });
    const response = await create({ ...body, destination: { ...body.destination, endpoint: `${endpoint.replace('http://', 'HTTP://')}/storage/v1/` } });
    expect(response.status).toBe(201);
    expect(response.body.destination.endpoint).toBe(endpoint);
    const done = await waitForIntegration(h, response.body.id, (d) => d.lastRun?.outcome === 'completed' || d.status === 'error');
    expect(done.status, JSON.stringify(done.lastError)).toBe('active');
    expect((await readObjects(bucket, 'mondoo/')).size).toBe(done.totals!.files);
    expect(done.totals!.files).toBeGreaterThan(0);
    expect((await h.request('DELETE', `/v1/integrations/${response.body.id}`)).status).toBe(202);
  });
});
