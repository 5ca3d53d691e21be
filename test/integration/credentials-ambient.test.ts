// Ambient credentials end to end: a real worker process (worker/main.ts) whose environment gives it
// Application Default Credentials — a credential configuration file (GOOGLE_APPLICATION_CREDENTIALS, as
// on EKS/AKS or with gcloud) or a metadata server (as on GKE and GCE) — writes through the checking
// proxy with no credentials in the integration at all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintSubjectToken, SUBJECT_TOKEN_TYPE, wifPrincipalFor } from '../../lib/wif';
import { deleteSignal } from '../../workflows/definitions';
import { createFakeGcp, createGcsAuthProxy, serviceAccountEmail, type FakeGcp, type GcsAuthProxy } from '../fakes/gcp';
import { providerAudience, startTestIssuer, type TestIssuer } from '../fakes/gcp/issuer';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';

const ORG = 'globex-9x7t3q';

describe('ambient credentials (Application Default Credentials) in a worker process', () => {
  let env: TestEnv;
  let mondoo: FakeMondoo;
  let gcp: FakeGcp;
  let proxy: GcsAuthProxy;
  let issuer: TestIssuer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'auditflow-adc-'));
    gcp = await createFakeGcp();
    proxy = await createGcsAuthProxy({ target: inject('gcsEndpoint'), gcp });
    issuer = await startTestIssuer(gcp);
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ generated: { count: 300, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 31 } });
  });
  afterAll(async () => {
    await Promise.all([mondoo?.close(), proxy?.close(), issuer?.close(), gcp?.close()]);
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one export with no credentials on a worker process with `adcEnv`; returns the principals GCS saw. */
  async function exportWithAmbient(adcEnv: NodeJS.ProcessEnv): Promise<string[]> {
    const taskQueue = `ambient-${randomUUID()}`;
    const worker = await startWorkerProcess(taskQueue, {
      AUDITFLOW_ENCRYPTION_KEYS: inject('encryptionKeys'),
      // The operator trusts this endpoint with the worker's identity (the checking proxy).
      AUDITFLOW_GCS_TRUSTED_ENDPOINTS: proxy.url,
      GOOGLE_APPLICATION_CREDENTIALS: '',
      // No developer gcloud credentials from the home directory.
      CLOUDSDK_CONFIG: path.join(dir, 'gcloud'),
      ...adcEnv,
    });
    try {
      const bucket = await createTestBucket();
      const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn: orgMrn(ORG), bucket, limits: { maxEventsPerFile: 40 } });
      config.destination = { ...config.destination, endpoint: proxy.url };
      expect(config.destination.credentials).toBeUndefined();
      const accepted = proxy.accepted.length;
      const handle = await startExport(env, config, taskQueue);
      const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed' || s.status === 'error');
      expect(done.lastError).toBeUndefined();
      expect(done.status).toBe('active');
      expectExactlyOnce(await readExport(bucket), expectedKeys(mondoo.store.all(orgMrn(ORG))));
      await handle.signal(deleteSignal);
      return proxy.accepted.slice(accepted);
    } finally {
      await worker.proc.stop();
    }
  }

  it('uses GOOGLE_APPLICATION_CREDENTIALS (an external-account file: STS exchange and impersonation)', async () => {
    const audience = providerAudience('987654321098');
    gcp.addOidcProvider(audience, issuer.issuer);
    const subject = 'system:serviceaccount:auditflow:worker';
    const email = serviceAccountEmail('ambient');
    gcp.grantWorkloadIdentityUser(email, wifPrincipalFor(audience, subject)!);
    // Kubernetes would project this token into the pod; here we sign it with the test issuer.
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, mintSubjectToken(issuer.settings, { subject, audience }));
    const credentialsFile = path.join(dir, 'adc.json');
    writeFileSync(
      credentialsFile,
      JSON.stringify({
        type: 'external_account',
        audience,
        subject_token_type: SUBJECT_TOKEN_TYPE,
        token_url: gcp.stsUrl,
        service_account_impersonation_url: `${gcp.iamCredentialsUrl}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
        credential_source: { file: tokenFile, format: { type: 'text' } },
      }),
    );
    const hits = { ...gcp.hits };
    const principals = await exportWithAmbient({ GOOGLE_APPLICATION_CREDENTIALS: credentialsFile });
    expect(principals.length).toBeGreaterThanOrEqual(2);
    expect(new Set(principals)).toEqual(new Set([`serviceAccount:${email}`]));
    // One exchange and one impersonation for all the uploads: the token is cached.
    expect(gcp.hits.sts - hits.sts).toBe(1);
    expect(gcp.hits.iam - hits.iam).toBe(1);
  });

  it('uses the metadata server (GKE workload identity, GCE)', async () => {
    gcp.metadataServiceAccount = serviceAccountEmail('node');
    const hits = gcp.hits.metadata;
    const principals = await exportWithAmbient({ GCE_METADATA_HOST: gcp.metadataHost, METADATA_SERVER_DETECTION: 'assume-present' });
    expect(principals.length).toBeGreaterThanOrEqual(2);
    expect(new Set(principals)).toEqual(new Set([`serviceAccount:${gcp.metadataServiceAccount}`]));
    expect(gcp.hits.metadata - hits).toBeGreaterThanOrEqual(1);
  });
});
