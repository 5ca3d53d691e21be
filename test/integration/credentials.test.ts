// GCS credentials end to end: a service-account key and workload identity federation, each against
// fake Google token services and a proxy in front of the emulator that accepts only tokens they issued.
// Failures end a run with status `error` and a message a person can act on; fixing them recovers.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Worker } from '@temporalio/worker';
import { createStorage } from '../../activities/sinks/gcs/store';
import { parseServiceAccountKey } from '../../activities/sinks/gcs/credentials';
import { isTrustedTokenUri, TRUSTED_TOKEN_URIS_VAR } from '../../activities/sinks/gcs/token-uri';
import { ExportError } from '../../activities/errors';
import { wifPrincipalFor, wifSubjectFor } from '../../lib/wif';
import type { GcsCredentials, GcsDestinationConfig } from '../../activities/sinks/gcs/schema';
import { deleteSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { serviceAccountEmail, startFakeGcpStack, type FakeGcp, type FakeGcpStack, type GcsAuthProxy } from '../fakes/gcp';
import { providerAudience, type TestIssuer } from '../fakes/gcp/issuer';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
const AUTH_FAILURE = /credentials|service-account key|may not impersonate|Security Token Service/;

describe('GCS credentials', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;
  let gcp: FakeGcp;
  let proxy: GcsAuthProxy;
  let issuer: TestIssuer;
  let fakes: FakeGcpStack;

  beforeAll(async () => {
    fakes = await startFakeGcpStack(inject('gcsEndpoint'));
    ({ gcp, proxy, issuer } = fakes);
    // The worker's WIF configuration comes from its environment, never from workflow input.
    for (const [name, value] of Object.entries(issuer.env)) vi.stubEnv(name, value);
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 400, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 23 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await Promise.all([mondoo?.close(), fakes?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  const configFor = (
    bucket: string,
    credentials: GcsCredentials | undefined,
    scopeMrn = orgMrn(ORG),
  ): IntegrationConfig & { destination: GcsDestinationConfig } => {
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket, limits: { maxEventsPerFile: 60 } });
    return { ...config, destination: { type: 'gcs', bucket, prefix: config.destination.prefix, endpoint: proxy.url, credentials } };
  };
  const uploadsBy = (principal: string) => proxy.accepted.filter((p) => p === principal).length;

  it('service-account key: one token from the key file’s token_uri serves every upload', async () => {
    const sa = gcp.createServiceAccountKey(serviceAccountEmail('exporter'));
    const bucket = await createTestBucket();
    const config = configFor(bucket, { serviceAccountJson: sa.json });
    const before = gcp.hits.oauth;
    const handle = await startExport(env, config);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(done.status).toBe('active');
    const exported = await readExport(bucket);
    expectExactlyOnce(exported, expectedKeys(mondoo.store.all(orgMrn(ORG))));
    expect(exported.names.length).toBeGreaterThanOrEqual(4);
    expect(uploadsBy(`serviceAccount:${sa.email}`)).toBeGreaterThanOrEqual(exported.names.length);
    expect(gcp.hits.oauth - before).toBe(1);
    await handle.signal(deleteSignal);
  });

  it('service-account key: a disabled key is an error that names the account, never the key; re-enabled, it recovers', async () => {
    const sa = gcp.createServiceAccountKey(serviceAccountEmail('disabled'));
    gcp.setKeyEnabled(sa.keyId, false);
    const bucket = await createTestBucket();
    const destination = configFor(bucket, { serviceAccountJson: sa.json }).destination;

    // What the sink sees: an ExportError, DestinationAuth, with the token endpoint's reason.
    const direct = await createStorage(destination)
      .bucket(bucket)
      .file('probe.jsonl')
      .save('x', { resumable: false })
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(ExportError);
    expect(direct).toMatchObject({ kind: 'DestinationAuth', retryable: false, code: 401 });
    expect((direct as Error).message).toMatch(new RegExp(`service-account key of ${sa.email} \\(invalid_grant: Invalid JWT Signature\\.\\)`));
    expect((direct as Error).message).not.toMatch(/BEGIN|PRIVATE|MII/);

    const handle = await startExport(env, configFor(bucket, { serviceAccountJson: sa.json }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(AUTH_FAILURE);
    for (const line of sa.privateKeyPem.split('\n').filter((l) => l.length > 20)) expect(failed.lastError?.message).not.toContain(line);
    expect(failed.totals.events).toBe(0);

    gcp.setKeyEnabled(sa.keyId, true);
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expect(recovered.totals.events).toBe(mondoo.store.all(orgMrn(ORG)).length);
    await handle.signal(deleteSignal);
  });

  it('a token GCS refuses (revoked, expired) is an error until GCS accepts it again', async () => {
    const sa = gcp.createServiceAccountKey(serviceAccountEmail('refused'));
    proxy.refused.add(`serviceAccount:${sa.email}`);
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(bucket, { serviceAccountJson: sa.json }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/rejected the credentials/);
    proxy.refused.delete(`serviceAccount:${sa.email}`);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expectExactlyOnce(await readExport(bucket), expectedKeys(mondoo.store.all(orgMrn(ORG))));
    await handle.signal(deleteSignal);
  });

  it('a key file whose token_uri is not Google’s is refused, and nothing is sent to it, unless the operator trusts that URL', async () => {
    expect(isTrustedTokenUri('https://oauth2.googleapis.com/token', {})).toBe(true);
    expect(isTrustedTokenUri('HTTPS://OAUTH2.googleapis.com:443/token', {})).toBe(true);
    expect(isTrustedTokenUri('https://oauth2.googleapis.com.evil.example/token', {})).toBe(false);
    expect(isTrustedTokenUri(gcp.tokenUri, {})).toBe(false);
    expect(isTrustedTokenUri(gcp.tokenUri, { [TRUSTED_TOKEN_URIS_VAR]: `https://other.example/token, ${gcp.tokenUri}` })).toBe(true);

    const sa = gcp.createServiceAccountKey(serviceAccountEmail('untrusted-uri'));
    const bucket = await createTestBucket();
    const destination = configFor(bucket, { serviceAccountJson: sa.json }).destination;
    const before = gcp.hits.oauth;
    const direct = await (async () => createStorage(destination, { env: {} }).bucket(bucket).file('probe.jsonl').save('x', { resumable: false }))().catch(
      (e: unknown) => e,
    );
    expect(direct).toMatchObject({ kind: 'InvalidConfig', retryable: false });
    expect((direct as Error).message).toContain(`token_uri must be Google's token endpoint https://oauth2.googleapis.com/token`);
    expect((direct as Error).message).toContain(TRUSTED_TOKEN_URIS_VAR);

    // The worker as deployed without the operator's trust: the run ends in `error`, the fake never hears of it.
    vi.stubEnv(TRUSTED_TOKEN_URIS_VAR, '');
    try {
      const handle = await startExport(env, configFor(bucket, { serviceAccountJson: sa.json }));
      const failed = await waitForStatus(handle, (s) => s.status === 'error');
      expect(failed.lastError?.message).toMatch(/token_uri must be Google's token endpoint/);
      await handle.signal(deleteSignal);
    } finally {
      vi.stubEnv(TRUSTED_TOKEN_URIS_VAR, gcp.tokenUri);
    }
    expect(gcp.hits.oauth).toBe(before);
  });

  it('a malformed key file is an InvalidConfig error that quotes none of it', async () => {
    const sa = gcp.createServiceAccountKey(serviceAccountEmail('malformed'));
    const truncated = sa.json.slice(0, sa.json.length - 40);
    expect(() => parseServiceAccountKey(truncated)).toThrow(/not valid JSON/);
    expect(() => parseServiceAccountKey(JSON.stringify({ type: 'external_account', audience: 'x' }))).toThrow(
      /not a service-account key file \(type must be "service_account"; client_email is required; private_key is required\)/,
    );
    const badKey = JSON.stringify({ ...JSON.parse(sa.json), private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
    expect(() => parseServiceAccountKey(badKey)).toThrow(/private_key is not a readable PEM private key/);
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(bucket, { serviceAccountJson: truncated }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/serviceAccountJson is not valid JSON/);
    expect(failed.lastError?.message).not.toContain(sa.keyId);
    await handle.signal(deleteSignal);
  });

  it('no credentials: the worker’s ambient identity is never sent to an endpoint it does not trust', async () => {
    const bucket = await createTestBucket();
    const rejectedBefore = proxy.rejected;
    const handle = await startExport(env, configFor(bucket, undefined));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toMatch(/rejected the credentials/);
    expect(proxy.rejected).toBeGreaterThan(rejectedBefore);
    await handle.signal(deleteSignal);
  });

  describe('workload identity federation', () => {
    it('exchanges a token for the integration’s subject, impersonates the service account, and caches the result', async () => {
      const audience = providerAudience();
      gcp.addOidcProvider(audience, issuer.issuer);
      const email = serviceAccountEmail('wif');
      const bucket = await createTestBucket();
      const config = configFor(bucket, { wifAudience: audience, wifServiceAccountEmail: email });
      const principal = wifPrincipalFor(audience, wifSubjectFor(config.integrationId))!;
      expect(principal).toContain(`/subject/auditflow:integration:${config.integrationId}`);

      // Not bound yet: STS accepts our token, IAM refuses the impersonation. The message says what to grant.
      const direct = await createStorage(config.destination, { integrationId: config.integrationId })
        .bucket(bucket)
        .file('probe.jsonl')
        .save('x', { resumable: false })
        .catch((e: unknown) => e);
      expect(direct).toMatchObject({ kind: 'DestinationAuth', retryable: false });
      expect((direct as Error).message).toContain(`${principal} may not impersonate ${email}`);
      expect((direct as Error).message).toContain(`--role=roles/iam.workloadIdentityUser --member=${principal}`);

      const handle = await startExport(env, config);
      const failed = await waitForStatus(handle, (s) => s.status === 'error');
      expect(failed.lastError?.message).toMatch(AUTH_FAILURE);

      gcp.grantWorkloadIdentityUser(email, principal);
      await handle.signal(runNowSignal);
      await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
      const exported = await readExport(bucket);
      expectExactlyOnce(exported, expectedKeys(mondoo.store.all(orgMrn(ORG))));
      expect(uploadsBy(`serviceAccount:${email}`)).toBeGreaterThanOrEqual(exported.names.length);

      // More uploads later reuse the cached token: no new exchange, no new impersonation.
      const hits = { ...gcp.hits };
      const uploads = uploadsBy(`serviceAccount:${email}`);
      mondoo.store.add(
        Array.from({ length: 90 }, (_, i) => ({
          identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/jane' },
          resource: `//agents.api.mondoo.app/organizations/${ORG}/serviceaccounts/sa-${i}`,
          action: 'mondoo.agents.AgentManager.CreateServiceAccount',
          timestamp: new Date(Math.floor(Date.now() / 1000 - 30 - i) * 1000).toISOString().replace('.000Z', 'Z'),
          msg: `later ${i}`,
          ip: '203.0.113.7',
          parent: orgMrn(ORG),
        })),
        { org: ORG },
      );
      await handle.signal(runNowSignal);
      await waitForStatus(handle, (s) => s.totals.events === mondoo.store.all(orgMrn(ORG)).length && !s.running);
      expect(uploadsBy(`serviceAccount:${email}`) - uploads).toBeGreaterThanOrEqual(2);
      expect(gcp.hits.sts).toBe(hits.sts);
      expect(gcp.hits.iam).toBe(hits.iam);
      await handle.signal(deleteSignal);
    });

    it('another integration with the very same destination gets its own subject, and no access until bound', async () => {
      const audience = providerAudience();
      gcp.addOidcProvider(audience, issuer.issuer);
      const email = serviceAccountEmail('shared');
      const bucket = await createTestBucket();
      const credentials = { wifAudience: audience, wifServiceAccountEmail: email };
      const bound = configFor(bucket, credentials);
      const other = configFor(bucket, credentials, spaceMrn('globex-prod-5n2r8w'));
      expect(other.destination).toEqual(bound.destination);
      gcp.grantWorkloadIdentityUser(email, wifPrincipalFor(audience, wifSubjectFor(bound.integrationId))!);

      const a = await startExport(env, bound);
      await waitForStatus(a, (s) => s.lastRun?.outcome === 'completed' && s.status === 'active');
      const b = await startExport(env, other);
      const failed = await waitForStatus(b, (s) => s.status === 'error');
      expect(failed.lastError?.message).toMatch(AUTH_FAILURE);
      expect((await readExport(bucket)).names.every((name) => name.includes(`org-${ORG}`))).toBe(true);
      await Promise.all([a.signal(deleteSignal), b.signal(deleteSignal)]);
    });

    it('a provider that does not trust our issuer is refused at STS, with what to check', async () => {
      const audience = providerAudience();
      gcp.addOidcProvider(audience, 'https://some-other-issuer.example');
      const destination = configFor(await createTestBucket(), { wifAudience: audience, wifServiceAccountEmail: serviceAccountEmail('untrusted') }).destination;
      const error = await createStorage(destination, { integrationId: 'x1' })
        .bucket('b')
        .file('n')
        .save('x', { resumable: false })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'DestinationAuth' });
      expect((error as Error).message).toMatch(/Security Token Service rejected auditflow's identity token .*invalid_grant.*issuer .*jwks\.json/);
      expect((error as Error).message).not.toMatch(/eyJ/);
    });
  });
});
