// auditflow against secured Temporal frontends, configured only with the environment variables the
// `temporal` CLI reads: mTLS (the dev server behind a proxy that checks the client certificate) and an
// API key (a proxy that checks it, like Temporal Cloud). Wrong or missing credentials end start-up with
// a clear error instead of waiting forever; search attributes the worker may not add are named.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from '../../lib/child-process';
import { repoRoot } from '../../lib/temporal-config';
import { deleteSignal } from '../../workflows/definitions';
import { workerProcessArgs } from '../../worker/process-args';
import { createFakeMondoo, spaceMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { startApiKeyProxy, type ApiKeyProxy } from '../helpers/api-key-proxy';
import { createTestBucket } from '../helpers/gcs';
import { expectedKeys, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { startMtlsProxy, type TlsProxy } from '../helpers/mtls-proxy';
import { openTestEnv, type TestEnv } from '../helpers/temporal';
import { createTestPki, type TestPki } from '../helpers/test-pki';

const API_KEY = `key-${randomUUID()}`;
const ADD_SEARCH_ATTRIBUTES = '/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes';

/** The environment of a process pointed at a secured frontend: nothing of the test's own dev-server settings. */
function securedEnv(temporal: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_NAMESPACE: inject('temporalNamespace'), AUDITFLOW_LOG_LEVEL: 'info', ...temporal, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('TEMPORAL_') && !(name in temporal) && name !== 'TEMPORAL_NAMESPACE') delete env[name];
  env.TEMPORAL_CONFIG_FILE = path.join(repoRoot, 'test', 'fixtures', 'temporal-no-profiles.toml');
  return env;
}

interface Started {
  proc: ManagedProcess;
  output: () => string;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, procs: ManagedProcess[]): Started {
  let output = '';
  const proc = startProcess(name, process.execPath, args, { env });
  proc.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  procs.push(proc);
  return { proc, output: () => output };
}

/** The process exits on its own (non-zero) within the deadline: no hang. Resolves its output. */
async function failsFast(started: Started, timeoutMs = 60_000): Promise<string> {
  const timer = setTimeout(() => started.proc.child.kill('SIGKILL'), timeoutMs);
  const code = await started.proc.exited;
  clearTimeout(timer);
  expect(started.proc.child.signalCode, `still running after ${timeoutMs} ms: ${started.output()}`).toBeNull();
  expect(code).toBe(1);
  return started.output();
}

const apiArgs = ['--import', 'tsx', path.join(repoRoot, 'api/main.ts')];

describe('a Temporal frontend that requires TLS with client certificates', () => {
  let pki: TestPki;
  let proxy: TlsProxy;
  let env: TestEnv;
  let mondoo: FakeMondoo;
  const procs: ManagedProcess[] = [];
  beforeAll(async () => {
    pki = createTestPki();
    proxy = await startMtlsProxy(inject('temporalAddress'), pki);
    env = await openTestEnv();
    mondoo = await createFakeMondoo({ generated: { count: 120, start: '2025-04-01T00:00:00Z', perSecond: 4, seed: 21 } });
  });
  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await mondoo?.close();
    await env?.close();
    await proxy?.close();
    pki?.remove();
  });
  const tlsVars = (cert: string, key: string) => ({
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: key,
  });

  it('the worker connects with TEMPORAL_TLS_* alone and exports', async () => {
    const taskQueue = `mtls-${randomUUID()}`;
    const worker = start('worker', workerProcessArgs(), securedEnv(tlsVars(pki.clientCert, pki.clientKey), { AUDITFLOW_TASK_QUEUE: taskQueue }), procs);
    await waitUntilReady(worker.proc, async () => worker.output().includes('worker started'), 120_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${worker.output()}`);
    });
    expect(worker.output()).toContain('mTLS (client certificate)');

    const scopeMrn = spaceMrn('acme-production-4kd9s2');
    const bucket = await createTestBucket();
    const config = integrationConfig({ mondooUrl: mondoo.url, mondooToken: mondoo.token, scopeMrn, bucket });
    const handle = await startExport(env, config, taskQueue);
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect((await readExport(bucket)).keys.length).toBe(expectedKeys(mondoo.store.all(scopeMrn)).length);
    await handle.signal(deleteSignal);
    await worker.proc.stop();
  });

  it('the API becomes ready through the same variables', async () => {
    const apiPort = await freePort();
    const api = start(
      'API',
      apiArgs,
      securedEnv(tlsVars(pki.clientCert, pki.clientKey), { AUDITFLOW_API_TOKEN: 't', AUDITFLOW_API_PORT: String(apiPort) }),
      procs,
    );
    await waitUntilReady(api.proc, async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${api.output()}`);
    });
    await api.proc.stop();
  });

  it('a client certificate from another CA ends the worker at start-up, naming the certificate', async () => {
    const output = await failsFast(start('worker', workerProcessArgs(), securedEnv(tlsVars(pki.rogueClientCert, pki.rogueClientKey)), procs));
    expect(output).toMatch(/certificate/i);
    expect(output).not.toContain('worker started');
  });

  it('no client certificate ends the worker at start-up', async () => {
    const output = await failsFast(
      start('worker', workerProcessArgs(), securedEnv({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert }), procs),
    );
    expect(output).toMatch(/certificate/i);
  });

  it('a server it does not trust (no CA given) ends the worker at start-up', async () => {
    const output = await failsFast(
      start(
        'worker',
        workerProcessArgs(),
        securedEnv({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey }),
        procs,
      ),
    );
    expect(output).toMatch(/certificate/i);
  });
});

describe('a Temporal frontend that requires an API key', () => {
  let pki: TestPki;
  let proxy: ApiKeyProxy;
  const procs: ManagedProcess[] = [];
  beforeAll(async () => {
    pki = createTestPki();
    proxy = await startApiKeyProxy(inject('temporalAddress'), pki, { apiKey: API_KEY, deniedMethods: [ADD_SEARCH_ATTRIBUTES] });
  });
  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await proxy?.close();
    pki?.remove();
  });
  const keyVars = (apiKey?: string, namespace?: string) => ({
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    ...(apiKey ? { TEMPORAL_API_KEY: apiKey } : {}),
    ...(namespace ? { TEMPORAL_NAMESPACE: namespace } : {}),
  });

  it('the worker and the API connect with TEMPORAL_API_KEY', async () => {
    const worker = start('worker', workerProcessArgs(), securedEnv(keyVars(API_KEY), { AUDITFLOW_TASK_QUEUE: `key-${randomUUID()}` }), procs);
    const apiPort = await freePort();
    const api = start('API', apiArgs, securedEnv(keyVars(API_KEY), { AUDITFLOW_API_TOKEN: 't', AUDITFLOW_API_PORT: String(apiPort) }), procs);
    await waitUntilReady(worker.proc, async () => worker.output().includes('worker started'), 120_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${worker.output()}`);
    });
    await waitUntilReady(api.proc, async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200, 60_000);
    expect(worker.output()).toContain('TLS + API key');
    expect(worker.output()).not.toContain(API_KEY);
    expect(api.output()).not.toContain(API_KEY);
    await Promise.all([worker.proc.stop(), api.proc.stop()]);
  });

  it('a wrong key ends the worker and the API at start-up with the server reason, never echoing the key', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const apiPort = await freePort();
    const [worker, api] = await Promise.all([
      failsFast(start('worker', workerProcessArgs(), securedEnv(keyVars(wrong)), procs)),
      failsFast(start('API', apiArgs, securedEnv(keyVars(wrong), { AUDITFLOW_API_TOKEN: 't', AUDITFLOW_API_PORT: String(apiPort) }), procs)),
    ]);
    expect(worker).toContain('invalid API key');
    expect(api).toContain('Temporal refused the API');
    expect(worker + api).not.toContain(wrong);
  });

  it('a missing key ends the worker at start-up', async () => {
    expect(await failsFast(start('worker', workerProcessArgs(), securedEnv(keyVars()), procs))).toContain('no API key');
  });

  it('search attributes it may not add are named with the command that adds them', async () => {
    const namespace = `no-sa-${randomUUID().slice(0, 8)}`;
    const admin = await Connection.connect({ address: inject('temporalAddress') });
    await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // The dev server knows the namespace a moment later.
    await expect
      .poll(
        async () =>
          admin.workflowService.describeNamespace({ namespace }).then(
            () => true,
            () => false,
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
    await admin.close();
    const output = await failsFast(start('worker', workerProcessArgs(), securedEnv(keyVars(API_KEY, namespace)), procs));
    expect(output).toContain(
      `temporal operator search-attribute create --namespace ${namespace} --name IntegrationId --type Keyword --name ExportStatus --type Keyword --name SourceType --type Keyword --name IntegrationName --type Keyword --name DestinationClaim --type Keyword`,
    );
  });
});
