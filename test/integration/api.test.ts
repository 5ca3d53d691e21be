// The integrations API end to end: the real API in-process, the real dev server, a real export worker,
// the GCS emulator and the fake Mondoo API. Waits for conditions, never for time.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import { DEMO_NAME, DEMO_S3_NAME, startDemo } from '../../scripts/demo';
import { readS3Objects, S3_REGION, S3_ROOT_CREDENTIALS } from '../helpers/s3';
import { EXPORT_WORKFLOW_TYPE, ExportStatusAttribute, IntegrationIdAttribute, SourceTypeAttribute } from '../../workflows/definitions';
import { orgMrn, spaceMrn } from '../../sandbox/mondoo';
import { fakeServiceAccountJson, integrationBody, startApiHarness, TEST_ORG, waitFor, waitForIntegration, type ApiHarness } from '../helpers/api';
import { createTestBucket, readObjects } from '../helpers/gcs';

const run = promisify(execFile);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const firstRunDone = (d: IntegrationDetail) => d.lastRun?.outcome === 'completed';
const nowSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('integrations API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  async function create(patch: Record<string, unknown> = {}, scopeMrn = orgMrn(TEST_ORG)): Promise<Integration> {
    const bucket = await createTestBucket();
    const response = await h.request<Integration>('POST', '/v1/integrations', { body: integrationBody({ bucket, mondoo: h.mondoo, scopeMrn }, patch) });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  /** A new event in the fake source, so a run has something to export. */
  function addEvent(space: string, org = TEST_ORG): void {
    const node = { identity: null, resource: null, action: 'mondoo.test.Event', timestamp: nowSecond(), msg: randomUUID(), ip: null, parent: orgMrn(org) };
    h.mondoo!.store.add([node], { org, space });
  }

  it('creates an integration without echoing secrets, and its first export starts at once', async () => {
    const bucket = await createTestBucket();
    const body = integrationBody({ bucket, mondoo: h.mondoo });
    const response = await h.request<Integration>('POST', '/v1/integrations', { body });
    expect(response.status).toBe(201);
    const integration = response.body;
    expect(integration).toEqual({
      id: expect.stringMatching(UUID),
      workflowId: `audit-log-export-${integration.id}`,
      name: 'Audit Log Export to GCS',
      status: 'active',
      source: { type: 'mondoo', scopeMrn: orgMrn(TEST_ORG), endpoint: h.mondoo!.url },
      destination: { type: 'gcs', bucket, prefix: 'mondoo/', endpoint: inject('gcsEndpoint'), auth: 'ambient' },
      intervalMinutes: 60,
      includeHistorical: true,
      createdAt: expect.any(String),
    });
    expect(response.headers.get('location')).toBe(`/v1/integrations/${integration.id}`);
    expect(JSON.stringify(integration)).not.toContain(h.mondoo!.token);

    const expected = h.mondoo!.store.all(orgMrn(TEST_ORG)).length;
    const done = await waitForIntegration(h, integration.id, firstRunDone);
    expect(done).toMatchObject({ ...integration, status: 'active', totals: { events: expected } });
    expect(done.nextRunAt).toBeDefined();
    expect((await readObjects(bucket, 'mondoo/')).size).toBe(done.totals!.files);
  });

  it('starts the workflow with search attributes, a summary and a secret-free memo that survive continue-as-new', async () => {
    // A key Google's token endpoint (here a stand-in on loopback) refuses: the run fails for good.
    const tokenEndpoint = createServer((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })),
    );
    await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve));
    const tokenUri = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/token`;
    // Trusted by the operator (API and worker run in this process and read the same setting).
    const trusted = process.env.AUDITFLOW_GCP_TRUSTED_TOKEN_URIS;
    process.env.AUDITFLOW_GCP_TRUSTED_TOKEN_URIS = tokenUri;
    const integration = await create({
      name: 'Findable in the UI',
      destination: {
        type: 'gcs',
        bucket: 'unused-bucket',
        prefix: 'mondoo/',
        credentials: { serviceAccountJson: fakeServiceAccountJson({ token_uri: tokenUri }) },
        endpoint: inject('gcsEndpoint'),
      },
    });
    expect(integration.destination).toEqual({
      type: 'gcs',
      bucket: 'unused-bucket',
      prefix: 'mondoo/',
      endpoint: inject('gcsEndpoint'),
      auth: 'serviceAccountKey',
    });
    // Its first run fails (the key is refused) and, like every run, ends in continue-as-new.
    const failed = await waitForIntegration(h, integration.id, (d) => d.status === 'error');
    expect(failed.lastError?.message).toMatch(/rejected the service-account key/);
    tokenEndpoint.close();
    if (trusted === undefined) delete process.env.AUDITFLOW_GCP_TRUSTED_TOKEN_URIS;
    else process.env.AUDITFLOW_GCP_TRUSTED_TOKEN_URIS = trusted;
    const { client } = h.env;
    const runs = await waitFor('two executions in visibility', async () => {
      const found = [];
      const query = `IntegrationId = "${integration.id}" AND WorkflowType = "${EXPORT_WORKFLOW_TYPE}"`;
      for await (const info of client.workflow.list({ query })) found.push(info);
      return found.length >= 2 ? found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime()) : undefined;
    });
    for (const info of runs) {
      expect(info.typedSearchAttributes.get(IntegrationIdAttribute)).toBe(integration.id);
      expect(info.typedSearchAttributes.get(SourceTypeAttribute)).toBe('mondoo');
      const { status: _status, ...record } = integration;
      expect(info.memo).toEqual({
        integration: record,
        creation: { destinationClaim: expect.stringMatching(/^destination-claim-[0-9a-f]{64}$/), requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    }
    const latest = await client.workflow.getHandle(integration.workflowId).describe();
    expect(latest.typedSearchAttributes.get(ExportStatusAttribute)).toBe('error');
    expect(JSON.stringify(latest.memo)).not.toContain('private_key');
    expect(JSON.stringify(latest.memo)).not.toContain(h.mondoo!.token);
    const first = await client.workflow.getHandle(integration.workflowId, runs[0]!.runId).describe();
    expect(await first.staticSummary()).toBe(`Findable in the UI · ${orgMrn(TEST_ORG)}`);
    // What a person types into the UI's search box.
    const { count } = await client.workflow.count(`ExportStatus = "error" AND IntegrationId = "${integration.id}" AND ExecutionStatus = "Running"`);
    expect(count).toBe(1);
    expect((await h.request('DELETE', `/v1/integrations/${integration.id}`)).status).toBe(202);
  });

  it('refuses a second integration of the same scope writing to the same bucket and prefix (409), even once the first is deleted', async () => {
    const first = await create({}, spaceMrn('acme-staging-7hw2p0'));
    const body = integrationBody({ bucket: (first.destination as { bucket: string }).bucket, mondoo: h.mondoo, scopeMrn: spaceMrn('acme-staging-7hw2p0') });
    const workflow = h.api.client.workflow;
    const start = workflow.start;
    let starts = 0;
    // Export starts: the refused create tries (and fails) to claim the destination, and starts no export.
    workflow.start = ((...args: Parameters<typeof start>) => (args[0] === EXPORT_WORKFLOW_TYPE && starts++, start.apply(workflow, args))) as typeof start;
    try {
      const clash = await h.request<{ error: { code: string; message: string } }>('POST', '/v1/integrations', { body });
      expect(clash.status).toBe(409);
      expect(clash.body.error.code).toBe('destination_in_use');
      expect(clash.body.error.message).toContain(first.id);
      expect(starts).toBe(0);
    } finally {
      workflow.start = start;
    }

    expect((await h.request('DELETE', `/v1/integrations/${first.id}`)).status).toBe(202);
    await waitForIntegration(h, first.id, (d) => d.status === 'deleted');
    expect((await h.request('POST', '/v1/integrations', { body })).status).toBe(409);
    // Another prefix, or another scope, is a different place.
    const elsewhere = await h.request<Integration>('POST', '/v1/integrations', { body: { ...body, destination: { ...body.destination, prefix: 'other/' } } });
    expect(elsewhere.status).toBe(201);
    expect((await h.request('DELETE', `/v1/integrations/${elsewhere.body.id}`)).status).toBe(202);
  });

  it('shows workload identity federation without secrets', async () => {
    const credentials = {
      wifAudience: '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/aws',
      wifServiceAccountEmail: 'exporter@proj.iam.gserviceaccount.com',
    };
    // A scope without events: its runs never reach the destination.
    const integration = await create({ destination: { type: 'gcs', bucket: 'wif-bucket', credentials } }, orgMrn('hooli-quiet-0c3u7j'));
    // The computed subject and the principal to bind come back, ready for the GCP side.
    const wifSubject = `auditflow:integration:${integration.id}`;
    expect(integration.destination).toEqual({
      type: 'gcs',
      bucket: 'wif-bucket',
      prefix: '',
      auth: 'workloadIdentityFederation',
      ...credentials,
      wifSubject,
      wifPrincipal: `principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/subject/${wifSubject}`,
    });
    expect((await h.request<Integration>('GET', `/v1/integrations/${integration.id}`)).body.destination).toMatchObject({ wifSubject });
    expect((await h.request('DELETE', `/v1/integrations/${integration.id}`)).status).toBe(202);
  });

  it('lists the newest execution of each integration once, and filters by status', async () => {
    const a = await create({}, spaceMrn('globex-prod-5n2r8w'));
    const b = await create({}, spaceMrn('globex-dev-3b6y1k'));
    await waitForIntegration(h, a.id, firstRunDone);
    await waitForIntegration(h, b.id, firstRunDone);
    expect((await h.request(`POST`, `/v1/integrations/${b.id}/pause`)).status).toBe(202);
    await waitForIntegration(h, b.id, (d) => d.status === 'paused');

    const listed = async (query = '') => {
      const response = await h.request<{ integrations: Integration[] }>('GET', `/v1/integrations${query}`);
      expect(response.status).toBe(200);
      return response.body.integrations.filter((i) => i.id === a.id || i.id === b.id);
    };
    // Each has continued as new at least once, so visibility holds several executions per workflow.
    const all = await waitFor('both listed with their current status', async () => {
      const found = await listed();
      return found.length === 2 && found.find((i) => i.id === b.id)?.status === 'paused' ? found : undefined;
    });
    expect(all.find((i) => i.id === a.id)).toEqual({ ...a, status: 'active' });
    expect((await listed('?status=paused')).map((i) => i.id)).toEqual([b.id]);
    expect((await listed('?status=active')).map((i) => i.id)).toEqual([a.id]);
    expect(await listed('?status=deleted')).toEqual([]);

    const bad = await h.request('GET', '/v1/integrations?status=stopped');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'status' }] } });
    expect((await h.request('GET', '/v1/integrations?colour=red')).body).toMatchObject({ error: { details: [{ path: 'colour', message: 'unknown field' }] } });
    await h.request('DELETE', `/v1/integrations/${a.id}`);
    await h.request('DELETE', `/v1/integrations/${b.id}`);
  });

  it('pauses, refuses a run while paused, resumes, runs now and deletes; a deleted integration takes no action', async () => {
    const space = 'initech-main-8q1e5t';
    const integration = await create({}, spaceMrn(space));
    const first = await waitForIntegration(h, integration.id, firstRunDone);
    const path = `/v1/integrations/${integration.id}`;

    expect(await h.request('POST', `${path}/pause`)).toMatchObject({ status: 202, body: { id: integration.id, action: 'pause', accepted: true } });
    const paused = await waitForIntegration(h, integration.id, (d) => d.status === 'paused');
    expect(paused.nextRunAt).toBeUndefined();
    expect(await h.request('POST', `${path}/run`)).toMatchObject({ status: 409, body: { error: { code: 'integration_paused' } } });

    expect((await h.request('POST', `${path}/resume`)).status).toBe(202);
    await waitForIntegration(h, integration.id, (d) => d.status === 'active');
    addEvent(space, 'initech-6z4v0m');
    expect((await h.request('POST', `${path}/run`)).status).toBe(202);
    await waitForIntegration(h, integration.id, (d) => d.totals?.events === first.totals!.events + 1 && firstRunDone(d));

    expect(await h.request('DELETE', path)).toMatchObject({ status: 202, body: { action: 'delete' } });
    const deleted = await waitForIntegration(h, integration.id, (d) => d.status === 'deleted');
    expect(deleted).toMatchObject({ id: integration.id, name: integration.name, totals: { events: first.totals!.events + 1 } });
    expect((await readObjects((integration.destination as { bucket: string }).bucket, 'mondoo/')).size).toBe(deleted.totals!.files); // objects stay
    for (const [method, route] of [
      ['POST', `${path}/pause`],
      ['POST', `${path}/resume`],
      ['POST', `${path}/run`],
      ['DELETE', path],
    ] as const) {
      expect(await h.request(method, route), `${method} ${route}`).toMatchObject({ status: 409, body: { error: { code: 'integration_deleted' } } });
    }
    await waitFor('listed as deleted', async () => {
      const { body } = await h.request<{ integrations: Integration[] }>('GET', '/v1/integrations?status=deleted');
      return body.integrations.some((i) => i.id === integration.id) || undefined;
    });
  });

  it('answers 404 for unknown ids and 400 when the interval is to change', async () => {
    const unknown = randomUUID();
    for (const [method, route] of [
      ['GET', `/v1/integrations/${unknown}`],
      ['POST', `/v1/integrations/${unknown}/pause`],
      ['POST', `/v1/integrations/${unknown}/resume`],
      ['POST', `/v1/integrations/${unknown}/run`],
      ['DELETE', `/v1/integrations/${unknown}`],
      ['GET', '/v1/integrations/not-a-uuid'],
      ['PATCH', `/v1/integrations/${unknown}`],
    ] as const) {
      const response = await h.request(method, route, { body: method === 'PATCH' ? { intervalMinutes: 5 } : undefined });
      expect(response, `${method} ${route}`).toMatchObject({ status: 404, body: { error: { code: 'not_found', details: [] } } });
    }

    const integration = await create({ includeHistorical: false });
    const path = `/v1/integrations/${integration.id}`;
    for (const method of ['PATCH', 'PUT']) {
      const response = await h.request(method, path, { body: { intervalMinutes: 15 } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: {
          code: 'interval_immutable',
          message: expect.stringMatching(/interval cannot be changed after creation/),
          details: [{ path: 'intervalMinutes' }],
        },
      });
    }
    expect(await h.request('PATCH', path, { body: { name: 'renamed' } })).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    expect((await h.request<IntegrationDetail>('GET', path)).body).toMatchObject({ intervalMinutes: 60, name: integration.name });
    await h.request('DELETE', path);
  });

  it('runs the demo of npm start through the API, and deletes its integration when stopped', async () => {
    const demo = await startDemo({
      apiUrl: h.url,
      apiToken: h.tokens[0]!,
      gcsUrl: inject('gcsEndpoint'),
      gcsRoot: '/data/gcs',
      temporalUiUrl: 'http://ui',
      namespace: 'auditflow',
    });
    const { integration } = demo;
    try {
      expect(integration).toMatchObject({
        name: DEMO_NAME,
        status: 'active',
        intervalMinutes: 5,
        includeHistorical: true,
        destination: { bucket: 'auditflow-demo', endpoint: inject('gcsEndpoint') },
      });
      expect(demo.workflowUrl).toBe(`http://ui/namespaces/auditflow/workflows/${integration.workflowId}`);
      expect(demo.filesDir).toBe(path.join('/data/gcs/auditflow-demo', integration.destination.prefix));
      const done = await waitForIntegration(h, integration.id, firstRunDone);
      expect(done.totals!.events).toBeGreaterThan(1_000);
      expect((await readObjects('auditflow-demo', integration.destination.prefix)).size).toBe(done.totals!.files);
    } finally {
      await demo.stop();
    }
    await waitForIntegration(h, integration.id, (d) => d.status === 'deleted');
  });

  it('runs the demo against the local S3 server (AUDITFLOW_DEMO_DESTINATION=s3), with access keys shown only as their kind', async () => {
    const s3 = { url: inject('s3Endpoint'), root: '/data/s3', region: S3_REGION, credentials: { ...S3_ROOT_CREDENTIALS } };
    const demo = await startDemo({
      apiUrl: h.url,
      apiToken: h.tokens[0]!,
      gcsUrl: inject('gcsEndpoint'),
      gcsRoot: '/data/gcs',
      s3,
      temporalUiUrl: 'http://ui',
      namespace: 'auditflow',
    });
    const { integration } = demo;
    try {
      expect(integration).toMatchObject({
        name: DEMO_S3_NAME,
        status: 'active',
        destination: { type: 's3', bucket: 'auditflow-demo', endpoint: s3.url, auth: 'accessKeys' },
      });
      expect(JSON.stringify(integration)).not.toContain(S3_ROOT_CREDENTIALS.secretAccessKey);
      expect(demo.filesDir).toBe(path.join('/data/s3/auditflow-demo', integration.destination.prefix));
      const done = await waitForIntegration(h, integration.id, firstRunDone);
      expect(done.totals!.events).toBeGreaterThan(1_000);
      expect((await readS3Objects('auditflow-demo', integration.destination.prefix)).size).toBe(done.totals!.files);
    } finally {
      await demo.stop();
    }
    await waitForIntegration(h, integration.id, (d) => d.status === 'deleted');
  });

  it('obeys pause, resume, runNow and delete sent with `temporal workflow signal`', async () => {
    const space = 'acme-staging-7hw2p0';
    const integration = await create({}, spaceMrn(space));
    const first = await waitForIntegration(h, integration.id, firstRunDone);
    const signal = (name: string) =>
      run(inject('temporalCliPath'), [
        'workflow',
        'signal',
        '--address',
        inject('temporalAddress'),
        '--namespace',
        inject('temporalNamespace'),
        '--workflow-id',
        integration.workflowId,
        '--name',
        name,
      ]);

    await signal('pause');
    await waitForIntegration(h, integration.id, (d) => d.status === 'paused');
    await signal('resume');
    await waitForIntegration(h, integration.id, (d) => d.status === 'active');
    addEvent(space);
    await signal('runNow');
    await waitForIntegration(h, integration.id, (d) => d.totals?.events === first.totals!.events + 1);
    await signal('delete');
    await waitForIntegration(h, integration.id, (d) => d.status === 'deleted');
  });
});
