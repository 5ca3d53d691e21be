// Exports to S3 end to end: real worker, real dev server, the fake Mondoo API and a real S3 server
// (versitygw: SigV4 verified, If-None-Match honoured, users and bucket policies) through the real SDK.
// Every event once in files that tile 1..N; lost responses are 412s, not duplicates; denied permission,
// rejected keys and a missing bucket are status `error` with the fix named, and recover once fixed.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { S3DestinationConfig } from '../../activities/sinks/s3/schema';
import { deleteSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { createFaultProxy } from '../../sandbox/faults';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createS3TestBucket, createS3User, grantPutObject, readS3Objects, S3_REGION, S3_ROOT_CREDENTIALS, s3Client, setS3UserSecret } from '../helpers/s3';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

type Keys = { accessKeyId: string; secretAccessKey: string };

describe('export to S3', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 1_234, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 13 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  function s3Config(scopeMrn: string, bucket: string, credentials: Keys, endpoint = inject('s3Endpoint'), maxEventsPerFile = 100): IntegrationConfig {
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket,
      limits: { maxEventsPerFile },
      timing: { retryMaxAttempts: 20 },
    });
    const destination: S3DestinationConfig = {
      type: 's3',
      bucket,
      region: S3_REGION,
      prefix: 'mondoo/',
      endpoint,
      forcePathStyle: true,
      credentials: { ...credentials },
    };
    return { ...config, destination };
  }
  /** Every event of the scope once (and the scope has some: an empty export proves nothing). */
  async function expectScopeExported(bucket: string, scopeMrn: string): Promise<string[]> {
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    expect(expected.length).toBeGreaterThan(50);
    const exported = await readExport(bucket, 'mondoo/', readS3Objects);
    expectExactlyOnce(exported, expected);
    return exported.names;
  }

  it('exports a backfill with only s3:PutObject on the prefix: each event once, names tiling 1..N, valid OCSF', async () => {
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    const scopeMrn = orgMrn('acme-corp-2fjq8x1');
    const handle = await startExport(env, s3Config(scopeMrn, bucket, user));
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    expect(done.status).toBe('active');
    const names = await expectScopeExported(bucket, scopeMrn);
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toMatch(/^mondoo\/org-acme-corp-2fjq8x1-audit-logs-1-100\.jsonl$/);
    await handle.signal(deleteSignal);
  });

  it('rides out 503s and lost responses: a retried write that had landed is a 412, not a duplicate', async () => {
    // The proxy forwards the Host header the client signed, so the server still verifies every signature.
    const proxy = await createFaultProxy({
      target: inject('s3Endpoint'),
      preserveHost: true,
      policy: { rate: 0.3, kinds: ['5xx', 'drop-response'], seed: 23 },
    });
    try {
      const bucket = await createS3TestBucket();
      const scopeMrn = orgMrn('globex-9x7t3q');
      const handle = await startExport(env, s3Config(scopeMrn, bucket, S3_ROOT_CREDENTIALS, proxy.url, 20));
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      expect(proxy.policy.injected['drop-response']).toBeGreaterThan(0);
      expect(proxy.policy.injected['5xx']).toBeGreaterThan(0);
      await expectScopeExported(bucket, scopeMrn);
      await handle.signal(deleteSignal);
    } finally {
      await proxy.close();
    }
  });

  it('denied permission is an error naming s3:PutObject on the prefix; granted, the next run recovers', async () => {
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    const scopeMrn = spaceMrn('initech-main-8q1e5t');
    const handle = await startExport(env, s3Config(scopeMrn, bucket, user));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Grant the credential s3:PutObject on arn:aws:s3:::${bucket}/mondoo/*`);
    expect(failed.totals.events).toBe(0);

    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    expect(recovered.lastError).toBeUndefined();
    await expectScopeExported(bucket, scopeMrn);
    await handle.signal(deleteSignal);
  });

  it('a wrong secret is an error (SignatureDoesNotMatch) that never quotes it; once the key matches, the next run recovers', async () => {
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    const given = { accessKeyId: user.accessKeyId, secretAccessKey: `s3-given-${Date.now()}-Hq2` };
    const scopeMrn = spaceMrn('acme-production-4kd9s2');
    const handle = await startExport(env, s3Config(scopeMrn, bucket, given));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/SignatureDoesNotMatch.*the secretAccessKey does not belong to the accessKeyId/);
    expect(JSON.stringify(failed)).not.toContain(given.secretAccessKey);

    await setS3UserSecret(user.accessKeyId, given.secretAccessKey); // the key the integration holds is now the user's
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    await expectScopeExported(bucket, scopeMrn);
    await handle.signal(deleteSignal);
  });

  it('a missing bucket is an error naming it until it exists; then the next run recovers', async () => {
    const bucket = `missing-${Date.now()}`;
    const scopeMrn = orgMrn('initech-6z4v0m');
    const handle = await startExport(env, s3Config(scopeMrn, bucket, S3_ROOT_CREDENTIALS));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Bucket "${bucket}" does not exist`);

    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    await expectScopeExported(bucket, scopeMrn);
    await handle.signal(deleteSignal);
  });
});
