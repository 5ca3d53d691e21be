// gzip objects under a date-partitioned prefix, end to end for every destination (GCS through the
// emulator, S3 through versitygw): each event once, sequence numbers tiling 1..N across partitions,
// each object under the partition of its first event, stored as a gzip file a SIEM can check (no
// Content-Encoding, so nothing inflates it on the way), and a retried write after a lost response
// compares equal (the gzip bytes are the same on every attempt).
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { GcsDestinationConfig } from '../../activities/sinks/gcs/schema';
import type { S3DestinationConfig } from '../../activities/sinks/s3/schema';
import { createFaultProxy } from '../../sandbox/faults';
import { downloadObjectBytes } from '../../sandbox/gcs-media';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { deleteSignal, type IntegrationConfig } from '../../workflows/definitions';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket, emulatorStorage, readObjects } from '../helpers/gcs';
import { createS3TestBucket, readS3Objects, S3_REGION, S3_ROOT_CREDENTIALS, s3Client } from '../helpers/s3';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const PREFIX = 'mondoo/%Y/%m/%d/%H/';
/** One event every 10 s from 22:30: three hours and two days (22h, 23h on the 1st, 00h on the 2nd). */
const START = '2025-06-01T22:30:00Z';
const PARTITIONED_NAME = /^mondoo\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/org-[\w-]+-audit-logs-\d+-\d+\.jsonl\.gz$/;

describe('gzip objects under a dated prefix', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 600, start: START, perSecond: 0.1, seed: 31 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  function baseConfig(scopeMrn: string, bucket: string): IntegrationConfig {
    return integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket,
      prefix: PREFIX,
      limits: { maxEventsPerFile: 50 },
      timing: { retryMaxAttempts: 20 },
    });
  }

  /** Exactly once, tiling 1..N, and each object in the partition of its earliest event (events after it). */
  function expectPartitioned(exported: Awaited<ReturnType<typeof readExport>>, objects: Map<string, string>, scopeMrn: string): void {
    expectExactlyOnce(exported, expectedKeys(mondoo.store.all(scopeMrn)));
    const partitions = new Set<string>();
    for (const name of exported.names) {
      const match = PARTITIONED_NAME.exec(name);
      expect(match, name).not.toBeNull();
      const times = objects
        .get(name)!
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { time: number }).time);
      const first = new Date(Math.min(...times)).toISOString();
      expect(`${match![1]}-${match![2]}-${match![3]}T${match![4]}`, name).toBe(first.slice(0, 13));
      partitions.add(first.slice(0, 13));
    }
    expect([...partitions].sort()).toEqual(['2025-06-01T22', '2025-06-01T23', '2025-06-02T00']);
  }

  it('GCS: .jsonl.gz objects (application/gzip, no Content-Encoding) in hour partitions, through lost responses', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = orgMrn('acme-corp-2fjq8x1');
    const proxy = await createFaultProxy({ target: inject('gcsEndpoint'), policy: { rate: 0.25, kinds: ['drop-response'], seed: 5 } });
    try {
      const config = baseConfig(scopeMrn, bucket);
      const handle = await startExport(env, { ...config, destination: { ...config.destination, endpoint: proxy.url, compression: 'gzip' } });
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      // A dropped upload response is retried: the object is there, 412, and its MD5 (read back) equals the new attempt's.
      expect(proxy.policy.injected['drop-response']).toBeGreaterThan(0);
      const objects = await readObjects(bucket, 'mondoo/');
      expectPartitioned(await readExport(bucket, 'mondoo/', readObjects), objects, scopeMrn);
      const name = [...objects.keys()][0]!;
      const [metadata] = await emulatorStorage().bucket(bucket).file(name).getMetadata();
      expect(metadata.contentType).toBe('application/gzip');
      expect(metadata.contentEncoding ?? '').toBe('');
      expect(metadata.metadata).toMatchObject({ 'auditflow-compression': 'gzip', 'auditflow-format': 'ocsf-1.5.0+jsonl' });
      // What a reader downloads is the gzip itself, whose MD5 is the one GCS keeps.
      const bytes = await downloadObjectBytes(inject('gcsEndpoint'), bucket, name);
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(gunzipSync(bytes).toString()).toBe(objects.get(name));
      await handle.signal(deleteSignal);
    } finally {
      await proxy.close();
    }
  });

  it('S3: .jsonl.gz objects in hour partitions with the MD5 the store verified', async () => {
    const bucket = await createS3TestBucket();
    const scopeMrn = orgMrn('globex-9x7t3q');
    const destination: S3DestinationConfig = {
      type: 's3',
      bucket,
      region: S3_REGION,
      prefix: PREFIX,
      endpoint: inject('s3Endpoint'),
      forcePathStyle: true,
      credentials: { ...S3_ROOT_CREDENTIALS },
      compression: 'gzip',
    };
    const handle = await startExport(env, { ...baseConfig(scopeMrn, bucket), destination });
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    const objects = await readS3Objects(bucket, 'mondoo/');
    expectPartitioned(await readExport(bucket, 'mondoo/', readS3Objects), objects, scopeMrn);
    const name = [...objects.keys()][0]!;
    const client = s3Client();
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
    expect(head.ContentType).toBe('application/gzip');
    expect(head.ContentEncoding ?? '').toBe('');
    expect(head.Metadata).toMatchObject({ 'auditflow-compression': 'gzip', 'auditflow-format': 'ocsf-1.5.0+jsonl' });
    const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: name }))).Body!.transformToByteArray());
    expect(head.ETag?.replace(/"/g, '')).toBe(createHash('md5').update(body).digest('hex'));
    expect(gunzipSync(body).toString()).toBe(objects.get(name));
    await handle.signal(deleteSignal);
  });

  it('GCS: kmsKeyName travels with every upload', async () => {
    const bucket = await createTestBucket();
    const scopeMrn = spaceMrn('acme-production-4kd9s2');
    const uploads: string[] = [];
    const proxy = await createFaultProxy({
      target: inject('gcsEndpoint'),
      policy: { rate: 0 },
      onRequest: (method, url) => {
        if (method === 'POST' && url.includes('/upload/')) uploads.push(url);
      },
    });
    const kmsKeyName = 'projects/audit-prj/locations/europe-west1/keyRings/audit/cryptoKeys/audit-logs';
    try {
      const config = baseConfig(scopeMrn, bucket);
      const destination: GcsDestinationConfig = { ...(config.destination as GcsDestinationConfig), prefix: 'mondoo/', endpoint: proxy.url, kmsKeyName };
      const handle = await startExport(env, { ...config, destination });
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      const exported = await readExport(bucket, 'mondoo/');
      expectExactlyOnce(exported, expectedKeys(mondoo.store.all(scopeMrn)));
      expect(uploads.length).toBeGreaterThanOrEqual(exported.names.length);
      for (const url of uploads) expect(new URL(url, 'http://x').searchParams.get('kmsKeyName')).toBe(kmsKeyName);
      await handle.signal(deleteSignal);
    } finally {
      await proxy.close();
    }
  });
});
