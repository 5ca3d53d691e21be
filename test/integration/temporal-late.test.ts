// A worker and an API started before Temporal (or while it restarts) wait for it with backoff instead
// of exiting: the API serves /healthz at once and /readyz 503 until Temporal answers; both become
// ready once a Temporal server listens on the address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, startProcess, type ManagedProcess } from '../../lib/child-process';
import { startTemporalDevServer } from '../../lib/local-infra';
import { loadTemporalSettings, repoRoot } from '../../lib/temporal-config';
import { workerEnv, workerProcessArgs } from '../../worker/process-args';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('Temporal not reachable at start-up', () => {
  const processes: ManagedProcess[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'auditflow-late-'));
  afterAll(async () => {
    for (const proc of processes.reverse()) await proc.stop(10_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the worker and the API wait for it, the API answering /healthz 200 and /readyz 503, then both become ready', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const namespace = inject('temporalNamespace');
    const apiPort = await freePort();
    const api = `http://127.0.0.1:${apiPort}`;
    const env = { ...workerEnv({ address, namespace, taskQueue: `late-${port}` }), AUDITFLOW_DATA_DIR: dataDir, AUDITFLOW_LOG_LEVEL: 'info' };

    const output = { worker: '', API: '' };
    const started = (name: 'worker' | 'API', args: string[]) => {
      const proc = startProcess(name, process.execPath, args, { env: { ...env, AUDITFLOW_API_TOKEN: 'late-token', AUDITFLOW_API_PORT: String(apiPort) } });
      proc.child.stdout?.on('data', (chunk: Buffer) => (output[name] += chunk.toString()));
      proc.child.stderr?.on('data', (chunk: Buffer) => (output[name] += chunk.toString()));
      processes.push(proc);
      return proc;
    };
    const worker = started('worker', workerProcessArgs());
    const apiProc = started('API', ['--import', 'tsx', path.join(repoRoot, 'api/main.ts')]);
    const alive = (proc: ManagedProcess) => proc.child.exitCode === null && proc.child.signalCode === null;

    // Serving at once, not ready, and still there after the SDK's 10 s connect deadline has passed.
    await eventually('API /healthz', async () => (await fetch(`${api}/healthz`)).status === 200, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; API output: ${output.API}`);
    });
    await sleep(12_000);
    expect(alive(worker), output.worker).toBe(true);
    expect(alive(apiProc), output.API).toBe(true);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${api}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { error: { code: string } }).error.code).toBe('temporal_unavailable');
    expect(output.worker).toContain(`worker: waiting for Temporal at ${address}`);
    expect(output.API).toContain(`API: waiting for Temporal at ${address}`);
    expect(output.worker).not.toContain('worker started');

    // Temporal comes up on that address: both connect without a restart.
    const settings = loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(port), TEMPORAL_NAMESPACE: namespace });
    processes.unshift(await startTemporalDevServer({ settings, headless: true }));
    await eventually('worker started', () => output.worker.includes('worker started'), 90_000);
    await eventually('API /readyz 200', async () => (await fetch(`${api}/readyz`)).status === 200, 30_000);
    // /readyz asks Temporal itself, so it can answer 200 while the API's connect loop still sleeps its
    // backoff: the "connected" line follows within that backoff.
    await eventually('API connected log', () => output.API.includes('API connected to Temporal'), 30_000);
    expect(alive(worker) && alive(apiProc)).toBe(true);
  });
});
