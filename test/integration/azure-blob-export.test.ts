// Exports to Azure Blob Storage end to end: real worker, real dev server, the fake Mondoo API and
// Azurite (Shared Key and SAS verified, If-None-Match and Content-MD5 honoured) through the real SDK.
// Every event once in blobs that tile 1..N; lost responses are 409s, not duplicates; denied permission
// and a missing container are status `error` with the fix named, and recover once fixed.
import { createHash } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { azureBlobSink } from '../../activities/sinks/azure-blob/connector';
import type { AzureBlobDestinationConfig, AzureCredentials } from '../../activities/sinks/azure-blob/schema';
import { deleteSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { createFaultProxy } from '../../sandbox/faults';
import { createFakeMondoo, orgMrn, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys, expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { azuriteAccount, azuriteService, createAzureTestContainer, policySas, readBlobs, setContainerPolicy } from '../helpers/azure';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

describe('export to Azure Blob Storage', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;

  beforeAll(async () => {
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 1_234, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 31 } });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await mondoo?.close();
    await env?.close();
  });

  const accountKey = (): AzureCredentials => ({ accountKey: azuriteAccount().accountKey });

  function azureConfig(
    scopeMrn: string,
    container: string,
    credentials: AzureCredentials,
    endpoint = inject('azuriteEndpoint'),
    maxEventsPerFile = 100,
  ): IntegrationConfig {
    const config = integrationConfig({
      mondooUrl: mondoo.url,
      mondooToken: mondoo.token,
      scopeMrn,
      bucket: container,
      limits: { maxEventsPerFile },
      timing: { retryMaxAttempts: 20 },
    });
    const destination: AzureBlobDestinationConfig = {
      type: 'azure-blob',
      accountName: azuriteAccount().accountName,
      container,
      prefix: 'mondoo/',
      endpoint,
      credentials,
    };
    return { ...config, destination };
  }
  /** Every event of the scope once (and the scope has some: an empty export proves nothing). */
  async function expectScopeExported(container: string, scopeMrn: string): Promise<string[]> {
    const expected = expectedKeys(mondoo.store.all(scopeMrn));
    expect(expected.length).toBeGreaterThan(50);
    const exported = await readExport(container, 'mondoo/', readBlobs);
    expectExactlyOnce(exported, expected);
    return exported.names;
  }

  it('exports a backfill: each event once, names tiling 1..N, valid OCSF, Content-MD5 and integrity metadata kept', async () => {
    const container = await createAzureTestContainer();
    const scopeMrn = orgMrn('acme-corp-2fjq8x1');
    const config = azureConfig(scopeMrn, container, accountKey());
    const handle = await startExport(env, config);
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
    expect(done.status).toBe('active');
    const names = await expectScopeExported(container, scopeMrn);
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toMatch(/^mondoo\/org-acme-corp-2fjq8x1-audit-logs-1-100\.jsonl$/);
    const properties = await azuriteService().getContainerClient(container).getBlockBlobClient(names[0]!).getProperties();
    expect(properties.contentMD5?.length).toBe(16);
    expect(properties.contentType).toBe('application/x-ndjson');
    // What verify (issue 17) reads: metadata names with "_" for "-" (Azure's are identifiers), and the manifests.
    const reader = azureBlobSink.openReader(config.destination as AzureBlobDestinationConfig);
    const first = await reader.read(names[0]!);
    expect(first.metadata).toMatchObject({ auditflow_sha256: createHash('sha256').update(first.body).digest('hex'), auditflow_events: '100' });
    expect((await reader.list('mondoo/_manifests/')).length).toBeGreaterThan(0);
    await handle.signal(deleteSignal);
  });

  it('rides out 503s and lost responses: a retried write that had landed is a 409, not a duplicate', async () => {
    // Shared Key signs the path and headers, not the host: the proxy's forwarded requests still verify.
    const proxy = await createFaultProxy({
      target: new URL(inject('azuriteEndpoint')).origin,
      preserveHost: true,
      policy: { rate: 0.3, kinds: ['5xx', 'drop-response'], seed: 29 },
    });
    try {
      const container = await createAzureTestContainer();
      const scopeMrn = orgMrn('globex-9x7t3q');
      const endpoint = `${proxy.url}/${azuriteAccount().accountName}`;
      const handle = await startExport(env, azureConfig(scopeMrn, container, accountKey(), endpoint, 20));
      await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 150_000);
      expect(proxy.policy.injected['drop-response']).toBeGreaterThan(0);
      expect(proxy.policy.injected['5xx']).toBeGreaterThan(0);
      await expectScopeExported(container, scopeMrn);
      await handle.signal(deleteSignal);
    } finally {
      await proxy.close();
    }
  });

  it('denied permission (a SAS whose policy lacks write) is an error naming the fix; granted, the next run recovers', async () => {
    const container = await createAzureTestContainer();
    await setContainerPolicy(container, 'exporter', 'rl');
    const scopeMrn = spaceMrn('initech-main-8q1e5t');
    const handle = await startExport(env, azureConfig(scopeMrn, container, { sasToken: policySas(container, 'exporter') }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Issue a SAS for container ${container} with create and write permission (sp=cw)`);
    expect(failed.totals.events).toBe(0);

    await setContainerPolicy(container, 'exporter', 'cw');
    await handle.signal(runNowSignal);
    const recovered = await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    expect(recovered.lastError).toBeUndefined();
    await expectScopeExported(container, scopeMrn);
    await handle.signal(deleteSignal);
  });

  it('a missing container is an error naming it until it exists; then the next run recovers', async () => {
    const container = `missing-${Date.now()}`;
    const scopeMrn = orgMrn('initech-6z4v0m');
    const handle = await startExport(env, azureConfig(scopeMrn, container, accountKey()));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(`Container "${container}" does not exist`);

    await azuriteService().createContainer(container);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed', 150_000);
    await expectScopeExported(container, scopeMrn);
    await handle.signal(deleteSignal);
  });
});
