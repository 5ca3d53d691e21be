// The evidence an auditor checks (issue 17), end to end: a real export writes each object's integrity
// metadata and a chain of signed manifests.
import { createHash } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@temporalio/worker';
import { manifestPayloadSchema, OBJECT_METADATA } from '../../lib/evidence/format';
import { downloadObject } from '../../sandbox/gcs-media';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { generateOidcSigningJwk, parseOidcSigningKeys } from '../../lib/wif-keys';
import { deleteSignal } from '../../workflows/definitions';
import { createTestBucket, emulatorStorage } from '../helpers/gcs';
import { integrationConfig, startExport, waitForStatus } from '../helpers/export';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('evidence written by an export', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;
  const keys = parseOidcSigningKeys(JSON.stringify([generateOidcSigningJwk('evidence')]));

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env, { manifestSigner: { issuer: 'https://auditflow.example', keys: { signing: keys[0]!, all: keys } } });
    mondoo = await createFakeMondoo({ generated: { count: 730, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 17 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  it('writes each object with its integrity metadata and each batch with a signed manifest chained to the previous one', async () => {
    const bucket = await createTestBucket();
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn: orgMrn(ORG), bucket, limits: { maxEventsPerFile: 100 } });
    const handle = await startExport(env, config);
    const status = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    await handle.signal(deleteSignal);
    const storage = emulatorStorage();
    const [files] = await storage.bucket(bucket).getFiles({ prefix: 'mondoo/' });
    const data = files.filter((f) => f.name.endsWith('.jsonl'));
    const manifests = files.filter((f) => f.name.startsWith('mondoo/_manifests/'));
    expect(data.length).toBe(status.totals.files);
    // Batches of two files each (smallBatchesFor): one manifest per batch.
    expect(manifests.length).toBe(Math.ceil(status.totals.events / 200));

    const first = data.find((f) => f.name === `mondoo/org-${ORG}-audit-logs-1-100.jsonl`)!;
    const [metadata] = await first.getMetadata();
    const body = await downloadObject(storage.apiEndpoint, bucket, first.name);
    expect(metadata.metadata).toMatchObject({
      [OBJECT_METADATA.sha256]: sha256(body),
      [OBJECT_METADATA.events]: '100',
      [OBJECT_METADATA.firstSeq]: '1',
      [OBJECT_METADATA.lastSeq]: '100',
      [OBJECT_METADATA.firstEventTime]: '2025-06-01T00:00:00.000Z',
      [OBJECT_METADATA.source]: 'mondoo',
      [OBJECT_METADATA.scope]: `org-${ORG}`,
      [OBJECT_METADATA.integrationId]: config.integrationId,
    });

    const publicKey = await importJWK(keys[0]!.publicJwk, 'RS256');
    let previous: { name: string; sha256: string } | null = null;
    const ordered = manifests.map((f) => f.name).sort((a, b) => Number(/-(\d+)-\d+\.json$/.exec(a)![1]) - Number(/-(\d+)-\d+\.json$/.exec(b)![1]));
    expect(ordered[0]).toBe(`mondoo/_manifests/org-${ORG}-manifest-1-200.json`);
    for (const name of ordered) {
      const jws = await downloadObject(storage.apiEndpoint, bucket, name);
      const { payload, protectedHeader } = await compactVerify(jws, publicKey);
      expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: keys[0]!.kid, typ: 'auditflow-manifest+jws' });
      const manifest = manifestPayloadSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
      expect(manifest.previous).toEqual(previous);
      expect(manifest.integrationId).toBe(config.integrationId);
      for (const object of manifest.objects) {
        expect(sha256(await downloadObject(storage.apiEndpoint, bucket, object.name)), object.name).toBe(object.sha256);
      }
      previous = { name, sha256: sha256(jws) };
    }
  });
});
