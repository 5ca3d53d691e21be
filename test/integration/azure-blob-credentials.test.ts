// Azure Blob credentials of Microsoft Entra ID end to end: a service principal's secret, workload
// identity federation (auditflow's own OIDC token as the client assertion) and the worker's ambient
// identity, each against a fake Entra token endpoint and a proxy in front of Azurite that accepts only
// tokens it issued and enforces role assignments. Failures end a run with status `error` and a message
// a person can act on; fixing them recovers. (Account keys and SAS tokens: azure-blob-export.test.ts.)
import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { azureBlobSink } from '../../activities/sinks/azure-blob/connector';
import { AZURE_FEDERATION_AUDIENCE, type AzureBlobDestinationConfig, type AzureCredentials } from '../../activities/sinks/azure-blob/schema';
import { wifSubjectFor } from '../../lib/wif';
import { deleteSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { startFakeAzureStack, type AzureStorageProxy, type FakeAzureStack, type FakeEntra } from '../fakes/azure';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { azuriteAccount, createAzureTestContainer, readBlobs } from '../helpers/azure';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const ORG = 'acme-corp-2fjq8x1';
const TENANT = randomUUID();
const CONTRIBUTOR = 'Storage Blob Data Contributor';
const WRITER = 'blob writer (custom: blobs/write, blobs/add/action)';

describe('Azure Blob credentials (Microsoft Entra ID)', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;
  let fakes: FakeAzureStack;
  let entra: FakeEntra;
  let proxy: AzureStorageProxy;

  beforeAll(async () => {
    fakes = await startFakeAzureStack({ endpoint: inject('azuriteEndpoint'), ...azuriteAccount() });
    ({ entra, proxy } = fakes);
    // The worker's issuer keys and Entra's host come from its environment, never from workflow input.
    for (const [name, value] of Object.entries(fakes.env)) vi.stubEnv(name, value);
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 400, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 37 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await Promise.all([mondoo?.close(), fakes?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  const configFor = (container: string, credentials: AzureCredentials | undefined): IntegrationConfig & { destination: AzureBlobDestinationConfig } => {
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn: orgMrn(ORG),
      bucket: container,
      limits: { maxEventsPerFile: 60 },
    });
    const destination: AzureBlobDestinationConfig = {
      type: 'azure-blob',
      accountName: azuriteAccount().accountName,
      container,
      prefix: 'mondoo/',
      endpoint: proxy.url,
      ...(credentials ? { credentials } : {}),
    };
    return { ...config, destination };
  };
  const newApp = (): string => {
    const clientId = randomUUID();
    entra.addApp(TENANT, clientId);
    return clientId;
  };
  const uploadsBy = (principal: string) => proxy.accepted.filter((p) => p === principal).length;
  async function expectExported(container: string): Promise<string[]> {
    const exported = await readExport(container, 'mondoo/', readBlobs);
    expectExactlyOnce(exported, expectedKeys(mondoo.store.all(orgMrn(ORG))));
    return exported.names;
  }

  it('service principal secret with Storage Blob Data Contributor: one token serves every upload', async () => {
    const clientId = newApp();
    const clientSecret = `entra-secret-${randomUUID()}`;
    entra.addSecret(clientId, clientSecret);
    const container = await createAzureTestContainer();
    proxy.assign(clientId, container, CONTRIBUTOR);
    const before = entra.hits;
    const handle = await startExport(env, configFor(container, { tenantId: TENANT, clientId, clientSecret }));
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(done.status).toBe('active');
    const names = await expectExported(container);
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(uploadsBy(clientId)).toBeGreaterThanOrEqual(names.length);
    expect(entra.hits - before).toBe(1);
    await handle.signal(deleteSignal);
  });

  it('a client secret Entra rejects is an error naming the app, never the secret; once it is the app’s, the next run recovers', async () => {
    const clientId = newApp();
    const clientSecret = `entra-secret-${randomUUID()}`;
    const container = await createAzureTestContainer();
    proxy.assign(clientId, container, CONTRIBUTOR);
    const handle = await startExport(env, configFor(container, { tenantId: TENANT, clientId, clientSecret }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Microsoft Entra ID rejected the client secret of app ${clientId} in tenant ${TENANT}`);
    expect(failed.lastError?.message).toContain('AADSTS7000215');
    expect(JSON.stringify(failed)).not.toContain(clientSecret);
    expect(failed.totals.events).toBe(0);

    entra.addSecret(clientId, clientSecret);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    await expectExported(container);
    await handle.signal(deleteSignal);
  });

  it('workload identity federation: no stored secret; without a federated credential the error names issuer, subject and audience; with it, the least-privilege role suffices', async () => {
    const clientId = newApp();
    const container = await createAzureTestContainer();
    proxy.assign(clientId, container, WRITER);
    const config = configFor(container, { tenantId: TENANT, clientId });
    const subject = wifSubjectFor(config.integrationId);
    expect(azureBlobSink.view(config.destination, config.integrationId)).toMatchObject({
      auth: 'workloadIdentityFederation',
      tenantId: TENANT,
      clientId,
      subject,
      audience: AZURE_FEDERATION_AUDIENCE,
    });
    const handle = await startExport(env, config);
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    const message = failed.lastError?.message ?? '';
    expect(message).toContain(`rejected auditflow's identity token for app ${clientId}`);
    expect(message).toContain('AADSTS70021');
    expect(message).toContain(`issuer ${fakes.issuer.issuer}`);
    expect(message).toContain(`subject ${subject}`);
    expect(message).toContain(`audience ${AZURE_FEDERATION_AUDIENCE}`);

    // Another integration's subject is not enough: the credential names exactly this integration.
    entra.addFederatedCredential(clientId, { issuer: fakes.issuer.issuer, subject: wifSubjectFor(randomUUID()), audience: AZURE_FEDERATION_AUDIENCE });
    entra.addFederatedCredential(clientId, { issuer: fakes.issuer.issuer, subject, audience: AZURE_FEDERATION_AUDIENCE });
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    const names = await expectExported(container);
    expect(uploadsBy(clientId)).toBeGreaterThanOrEqual(names.length);
    await handle.signal(deleteSignal);
  });

  it('without a role on the container the error names Storage Blob Data Contributor and the custom role; assigned, the next run recovers', async () => {
    const clientId = newApp();
    const clientSecret = `entra-secret-${randomUUID()}`;
    entra.addSecret(clientId, clientSecret);
    const container = await createAzureTestContainer();
    const handle = await startExport(env, configFor(container, { tenantId: TENANT, clientId, clientSecret }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Permission denied writing ${proxy.url}/${container}/mondoo/`);
    expect(failed.lastError?.message).toContain(`Assign ${clientId} the role Storage Blob Data Contributor on container ${container}`);
    expect(failed.lastError?.message).toContain('Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write');

    proxy.assign(clientId, container, WRITER);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    await expectExported(container);
    await handle.signal(deleteSignal);
  });

  it('ambient: the worker’s own identity (AZURE_* environment) at an endpoint the operator trusts', async () => {
    const clientId = newApp();
    const clientSecret = `entra-worker-secret-${randomUUID()}`;
    entra.addSecret(clientId, clientSecret);
    const container = await createAzureTestContainer();
    proxy.assign(clientId, container, CONTRIBUTOR);
    vi.stubEnv('AZURE_TENANT_ID', TENANT);
    vi.stubEnv('AZURE_CLIENT_ID', clientId);
    vi.stubEnv('AZURE_CLIENT_SECRET', clientSecret);
    vi.stubEnv('AUDITFLOW_AZURE_TRUSTED_ENDPOINTS', new URL(proxy.url).origin);
    try {
      const config = configFor(container, undefined);
      expect(azureBlobSink.view(config.destination, config.integrationId).auth).toBe('ambient');
      const handle = await startExport(env, config);
      await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
      const names = await expectExported(container);
      expect(uploadsBy(clientId)).toBeGreaterThanOrEqual(names.length);
      await handle.signal(deleteSignal);
    } finally {
      for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AUDITFLOW_AZURE_TRUSTED_ENDPOINTS']) vi.stubEnv(name, undefined);
    }
  });
});
