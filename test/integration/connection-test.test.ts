// POST /v1/connection-tests end to end: the real API in-process, the dev server, an in-process worker
// (the probe runs there), the fakes of every source (Mondoo, Endor Labs, Cloud Logging behind fake
// Google token services) and both destinations (the GCS emulator behind the checking auth proxy, S3 on
// versitygw). Every source and destination: ok, and each way it fails as an export would meet it.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { TRUSTED_TOKEN_URIS_VAR } from '../../activities/sinks/gcs/token-uri';
import type { ConnectionTestResult } from '../../contracts/connection-test';
import { CONNECTION_TEST_WORKFLOW_TYPE } from '../../contracts/connection-test';
import { createFakeCloudLogging, VIEWER, type FakeCloudLogging } from '../../sandbox/gcp-logging';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createFakeEndorLabs, type FakeEndorLabs } from '../../sandbox/endorlabs';
import { serviceAccountEmail, startFakeGcpStack, type FakeGcpStack, type ServiceAccountKey } from '../fakes/gcp';
import { startApiHarness, TEST_ORG, waitFor, type ApiHarness } from '../helpers/api';
import { createTestBucket, readObjects } from '../helpers/gcs';
import { createS3TestBucket, createS3User, grantPutObject, readS3Objects, S3_REGION, S3_ROOT_CREDENTIALS } from '../helpers/s3';

const PROJECT = 'projects/acme-prod-4kd9s2';
const PROBE = /\.auditflow\/connection-test-[0-9a-f-]{36}$/;

describe('connection test', () => {
  let h: ApiHarness;
  let mondoo: FakeMondoo;
  let restricted: FakeMondoo;
  let endor: FakeEndorLabs;
  let google: FakeGcpStack;
  let logging: FakeCloudLogging;
  let reader: ServiceAccountKey;
  let writer: ServiceAccountKey;
  const secrets: string[] = [];

  beforeAll(async () => {
    google = await startFakeGcpStack(inject('gcsEndpoint'));
    vi.stubEnv(TRUSTED_TOKEN_URIS_VAR, google.gcp.tokenUri);
    h = await startApiHarness({ worker: true });
    mondoo = h.mondoo!;
    restricted = await createFakeMondoo({ generated: { count: 10, start: '2025-06-01T00:00:00Z', seed: 1 }, allowedScopes: [] });
    endor = await createFakeEndorLabs({ allowedNamespaces: ['acme'] });
    endor.store.generate('acme', { count: 5, start: Date.now() - 3_600_000, seed: 1 });
    logging = await createFakeCloudLogging({ principalOf: (token) => google.gcp.principalOf(token), iam: 'explicit' });
    logging.store.generate(PROJECT, { calls: 20, start: new Date(Date.now() - 600_000).toISOString(), seed: 1 });
    reader = google.gcp.createServiceAccountKey(serviceAccountEmail('log-reader'));
    logging.grant(`serviceAccount:${reader.email}`, PROJECT, VIEWER);
    writer = google.gcp.createServiceAccountKey(serviceAccountEmail('exporter'));
    secrets.push(mondoo.token, endor.apiSecret, reader.privateKeyPem.slice(40, 80), writer.privateKeyPem.slice(40, 80), S3_ROOT_CREDENTIALS.secretAccessKey);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([restricted?.close(), endor?.close(), logging?.close(), google?.close()]);
    vi.unstubAllEnvs();
  });

  async function test(body: Record<string, unknown>): Promise<ConnectionTestResult> {
    const response = await h.request<ConnectionTestResult>('POST', '/v1/connection-tests', { body });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    for (const secret of secrets) expect(JSON.stringify(response.body)).not.toContain(secret);
    for (const part of [response.body.source, response.body.destination]) if (part) expect(part.latencyMs).toBeGreaterThanOrEqual(0);
    return response.body;
  }
  const source = async (config: Record<string, unknown>) => (await test({ source: config })).source!;
  const destination = async (config: Record<string, unknown>) => (await test({ destination: config })).destination!;

  describe('Mondoo', () => {
    const config = (patch: Record<string, unknown> = {}) => ({
      type: 'mondoo',
      scopeMrn: orgMrn(TEST_ORG),
      endpoint: mondoo.url,
      token: mondoo.token,
      ...patch,
    });
    it('reads one event with a good token', async () => {
      expect(await source(config())).toMatchObject({ ok: true, message: `Read the mondoo audit log of ${orgMrn(TEST_ORG)}` });
    });
    it('reports a bad token', async () => {
      expect(await source(config({ token: 'not-the-token' }))).toMatchObject({
        ok: false,
        message: expect.stringMatching(/rejected the API token \(HTTP 401\)/),
      });
    });
    it('reports a scope the token may not read', async () => {
      expect(await source(config({ endpoint: restricted.url, token: restricted.token }))).toMatchObject({
        ok: false,
        message: expect.stringMatching(/permission denied .*Check the scope MRN and the token's access/),
      });
    });
  });

  describe('Endor Labs', () => {
    const config = (patch: Record<string, unknown> = {}) => ({
      type: 'endorlabs',
      namespace: 'acme',
      apiKey: endor.apiKey,
      apiSecret: endor.apiSecret,
      endpoint: endor.url,
      ...patch,
    });
    it('reads one event with a good key', async () => {
      expect(await source(config())).toMatchObject({ ok: true, message: 'Read the endorlabs audit log of acme' });
    });
    it('reports a bad key secret', async () => {
      expect(await source(config({ apiSecret: 'not-the-secret' }))).toMatchObject({ ok: false, message: expect.stringMatching(/401/) });
    });
    it('reports a namespace the key may not read', async () => {
      expect(await source(config({ namespace: 'globex' }))).toMatchObject({
        ok: false,
        message: expect.stringMatching(/refused the audit logs of namespace "globex" \(HTTP 403/),
      });
    });
  });

  describe('Cloud Audit Logs', () => {
    const config = (key: ServiceAccountKey, resourceNames = [PROJECT]) => ({
      type: 'gcp-audit-logs',
      resourceNames,
      credentials: { serviceAccountJson: key.json },
      endpoint: logging.url,
    });
    it('reads one entry with a key that has roles/logging.viewer', async () => {
      expect(await source(config(reader))).toMatchObject({ ok: true, message: `Read the gcp-audit-logs audit log of ${PROJECT}` });
    });
    it('reports a disabled key', async () => {
      const disabled = google.gcp.createServiceAccountKey(serviceAccountEmail('disabled-reader'));
      google.gcp.setKeyEnabled(disabled.keyId, false);
      expect(await source(config(disabled))).toMatchObject({ ok: false, message: expect.stringMatching(/invalid_grant/) });
    });
    it('reports a resource the key may not read, naming the role', async () => {
      expect(await source(config(reader, ['projects/other-project-1']))).toMatchObject({ ok: false, message: expect.stringContaining('roles/logging.viewer') });
    });
  });

  describe('GCS', () => {
    const config = (bucket: string, key: ServiceAccountKey = writer) => ({
      type: 'gcs',
      bucket,
      prefix: 'audit/',
      endpoint: google.proxy.url,
      credentials: { serviceAccountJson: key.json },
    });
    it('writes a probe object create-only under the prefix', async () => {
      const bucket = await createTestBucket();
      const outcome = await destination(config(bucket));
      expect(outcome).toMatchObject({ ok: true, message: expect.stringMatching(new RegExp(`^Wrote gs://${bucket}/audit/\\.auditflow/connection-test-`)) });
      const names = [...(await readObjects(bucket)).keys()];
      expect(names).toEqual([expect.stringMatching(/^audit\//)]);
      expect(names[0]).toMatch(PROBE);
    });
    it('reports a disabled key', async () => {
      const disabled = google.gcp.createServiceAccountKey(serviceAccountEmail('disabled-writer'));
      google.gcp.setKeyEnabled(disabled.keyId, false);
      expect(await destination(config(await createTestBucket(), disabled))).toMatchObject({ ok: false, message: expect.stringMatching(/invalid_grant/) });
    });
    it('reports a missing bucket', async () => {
      const bucket = `missing-${Date.now()}`;
      expect(await destination(config(bucket))).toMatchObject({ ok: false, message: expect.stringMatching(new RegExp(`Bucket "${bucket}" does not exist`)) });
    });
    it('reports a denied write, naming the role', async () => {
      const denied = google.gcp.createServiceAccountKey(serviceAccountEmail('reader-only'));
      google.proxy.writeDenied.add(`serviceAccount:${denied.email}`);
      const bucket = await createTestBucket();
      expect(await destination(config(bucket, denied))).toMatchObject({ ok: false, message: expect.stringContaining('roles/storage.objectCreator') });
      expect((await readObjects(bucket)).size).toBe(0);
    });
  });

  describe('S3', () => {
    const config = (bucket: string, credentials: { accessKeyId: string; secretAccessKey: string } = S3_ROOT_CREDENTIALS) => ({
      type: 's3',
      bucket,
      region: S3_REGION,
      prefix: 'audit/',
      endpoint: inject('s3Endpoint'),
      forcePathStyle: true,
      credentials: { ...credentials },
    });
    it('writes a probe object create-only under the prefix, with only s3:PutObject there', async () => {
      const bucket = await createS3TestBucket();
      const user = await createS3User();
      await grantPutObject(bucket, 'audit/', user.accessKeyId);
      secrets.push(user.secretAccessKey);
      expect(await destination(config(bucket, user))).toMatchObject({ ok: true, message: expect.stringMatching(new RegExp(`^Wrote s3://${bucket}/audit/`)) });
      const names = [...(await readS3Objects(bucket)).keys()];
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(PROBE);
    });
    it('reports a wrong secret', async () => {
      const wrong = { accessKeyId: S3_ROOT_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret-Wq7x' };
      const outcome = await destination(config(await createS3TestBucket(), wrong));
      expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/SignatureDoesNotMatch/) });
      expect(outcome.message).not.toContain('not-the-secret-Wq7x');
    });
    it('reports a missing bucket', async () => {
      const bucket = `missing-${Date.now()}`;
      expect(await destination(config(bucket))).toMatchObject({ ok: false, message: expect.stringContaining(`Bucket "${bucket}" does not exist`) });
    });
    it('reports a denied write, naming the permission', async () => {
      const bucket = await createS3TestBucket();
      const user = await createS3User();
      expect(await destination(config(bucket, user))).toMatchObject({
        ok: false,
        message: expect.stringContaining(`s3:PutObject on arn:aws:s3:::${bucket}/audit/*`),
      });
    });
  });

  it('tests both at once, and leaves no workflow behind', async () => {
    const bucket = await createTestBucket();
    const result = await test({
      source: { type: 'mondoo', scopeMrn: orgMrn(TEST_ORG), endpoint: mondoo.url, token: mondoo.token },
      destination: { type: 'gcs', bucket, prefix: '', endpoint: inject('gcsEndpoint') },
    });
    expect(result).toMatchObject({ source: { ok: true }, destination: { ok: true } });
    const query = `WorkflowType = "${CONNECTION_TEST_WORKFLOW_TYPE}" AND TaskQueue = "${h.env.settings.taskQueue}"`;
    // Nothing but the tests themselves ran on the queue: no integration, no export, no claim.
    const others = await h.env.client.workflow.count(`TaskQueue = "${h.env.settings.taskQueue}" AND WorkflowType != "${CONNECTION_TEST_WORKFLOW_TYPE}"`);
    expect(others.count).toBe(0);
    const running = await h.env.client.workflow.count(`${query} AND ExecutionStatus = "Running"`);
    expect(running.count).toBe(0);
    // Each test's execution is deleted once answered. The dev server works through deletions slowly
    // (about 10 s each, one after another), so the proof is that they go, not that all went already.
    const listed: string[] = [];
    for await (const info of h.env.client.workflow.list({ query })) listed.push(info.workflowId);
    const gone = async (workflowId: string) =>
      h.env.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => false,
          (error: Error) => /not found/i.test(error.message),
        );
    await waitFor('connection tests deleted', async () => ((await Promise.all(listed.map(gone))).some(Boolean) ? true : undefined), 60_000);
  });
});
