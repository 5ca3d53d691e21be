// S3 with no stored key, end to end: the worker signs an OIDC token for the integration's subject with
// auditflow's issuer (the real OIDC routes), the fake STS verifies it against the JWKS and the role's
// trust policy and hands back a role session, and versitygw (behind a proxy that checks the session
// token) takes the writes. A role that trusts another subject is status `error` naming the trust policy
// to write; once it trusts this integration, the next run recovers.
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { S3DestinationConfig } from '../../activities/sinks/s3/schema';
import { AWS_ENDPOINT_URL_STS_VAR } from '../../activities/sinks/s3/web-identity';
import { AWS_STS_AUDIENCE, wifSubjectFor } from '../../lib/wif';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { deleteSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { createS3SessionProxy, type S3SessionProxy } from '../fakes/aws/s3-session-proxy';
import { createFakeSts, type FakeSts } from '../fakes/aws/sts';
import { startTestIssuer, type TestIssuer } from '../fakes/gcp/issuer';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createS3TestBucket, createS3User, grantPutObject, readS3Objects, S3_REGION } from '../helpers/s3';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

describe('export to S3 with web identity (no stored key)', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;
  let issuer: TestIssuer;
  let sts: FakeSts;
  let proxy: S3SessionProxy;
  const roleUsers = new Map<string, { accessKeyId: string; secretAccessKey: string }>();
  let roles = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    sts = await createFakeSts();
    sts.addOidcProvider(issuer.issuer, [AWS_STS_AUDIENCE]);
    proxy = await createS3SessionProxy({ target: inject('s3Endpoint'), sts, roles: () => roleUsers });
    // The worker's issuer keys and STS endpoint come from its environment, never from workflow input.
    for (const [name, value] of Object.entries(issuer.env)) vi.stubEnv(name, value);
    vi.stubEnv(AWS_ENDPOINT_URL_STS_VAR, sts.url);
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 500, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 41 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await Promise.all([mondoo?.close(), proxy?.close(), sts?.close(), issuer?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  /** A role whose sessions sign as a fresh S3 user that may only put objects under the prefix. */
  async function createRole(bucket: string, subject: string) {
    const user = await createS3User();
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    roleUsers.set(user.accessKeyId, user);
    const roleArn = `arn:aws:iam::123456789012:role/auditflow/export-${++roles}`;
    const trust = { issuer: issuer.issuer, audience: AWS_STS_AUDIENCE, subject };
    sts.putRole({ roleArn, user, trust });
    return { roleArn, trustSubject: (s: string) => sts.putRole({ roleArn, user, trust: { ...trust, subject: s } }) };
  }

  function webIdentityConfig(scopeMrn: string, bucket: string, roleArn: string): IntegrationConfig {
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket, limits: { maxEventsPerFile: 40 } });
    const destination: S3DestinationConfig = {
      type: 's3',
      bucket,
      region: S3_REGION,
      prefix: 'mondoo/',
      endpoint: proxy.url,
      forcePathStyle: true,
      credentials: { roleArn },
    };
    return { ...config, destination };
  }

  async function expectScopeExported(bucket: string, scopeMrn: string): Promise<void> {
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    expect(expected.length).toBeGreaterThan(20);
    expectExactlyOnce(await readExport(bucket, 'mondoo/', readS3Objects), expected);
  }

  it("assumes the role with the integration's own token: every write is a session of its subject, one exchange for the run", async () => {
    const bucket = await createS3TestBucket();
    const scopeMrn = orgMrn('acme-corp-2fjq8x1');
    const config = webIdentityConfig(scopeMrn, bucket, '');
    const subject = wifSubjectFor(config.integrationId);
    const role = await createRole(bucket, subject);
    (config.destination as S3DestinationConfig).credentials = { roleArn: role.roleArn };
    const callsBefore = sts.calls.length;
    const acceptedBefore = proxy.accepted.length;
    const handle = await startExport(env, config);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    expect(done.status).toBe('active');
    await expectScopeExported(bucket, scopeMrn);
    const writes = proxy.accepted.slice(acceptedBefore);
    expect(writes.length).toBeGreaterThan(3);
    expect(new Set(writes)).toEqual(new Set([subject]));
    // The SDK keeps the session until shortly before it expires: one exchange serves every upload.
    expect(sts.calls.slice(callsBefore)).toEqual(['OK']);
    await handle.signal(deleteSignal);
  });

  it('a role that trusts another subject is an error naming the trust policy to write; trusted, the next run recovers', async () => {
    const bucket = await createS3TestBucket();
    const scopeMrn = spaceMrn('globex-prod-5n2r8w');
    const config = webIdentityConfig(scopeMrn, bucket, '');
    const subject = wifSubjectFor(config.integrationId);
    const role = await createRole(bucket, 'auditflow:integration:some-other-integration');
    (config.destination as S3DestinationConfig).credentials = { roleArn: role.roleArn };
    const handle = await startExport(env, config);
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    const message = failed.lastError?.message ?? '';
    expect(message).toContain(`refused to let ${subject} assume ${role.roleArn} (AccessDenied, HTTP 403)`);
    expect(message).toContain(`"${new URL(issuer.issuer).host}:sub" = "${subject}"`);
    expect(message).toContain(`oidc-provider/${new URL(issuer.issuer).host}`);
    expect(failed.totals.events).toBe(0);
    expect(sts.calls).toContain('AccessDenied');

    role.trustSubject(subject);
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    expect(recovered.lastError).toBeUndefined();
    await expectScopeExported(bucket, scopeMrn);
    await handle.signal(deleteSignal);
  });

  it('a token from an issuer the account has no OIDC provider for is an error naming the provider to create', async () => {
    const bucket = await createS3TestBucket();
    const scopeMrn = orgMrn('initech-6z4v0m');
    const config = webIdentityConfig(scopeMrn, bucket, '');
    const role = await createRole(bucket, wifSubjectFor(config.integrationId));
    (config.destination as S3DestinationConfig).credentials = { roleArn: role.roleArn };
    sts.addOidcProvider(issuer.issuer, ['some-other-client']);
    try {
      const handle = await startExport(env, config);
      const failed = await waitForStatus(handle, (s) => s.status === 'error');
      expect(failed.lastError?.message).toMatch(/rejected auditflow's identity token .*InvalidIdentityToken.*aws iam create-open-id-connect-provider --url/);
      await handle.signal(deleteSignal);
    } finally {
      sts.addOidcProvider(issuer.issuer, [AWS_STS_AUDIENCE]);
    }
  });
});
