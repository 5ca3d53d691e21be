// The real API process (api/main.ts, what `npm run api` runs), started, stopped and restarted on the same
// port by tests that run several of them, as behind a load balancer.
import path from 'node:path';
import { inject } from 'vitest';
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from '../../lib/child-process';
import { repoRoot } from '../../lib/temporal-config';
import { workerEnv } from '../../worker/process-args';
import type { ApiResponse } from './api';

export interface ApiProcess {
  url: string;
  proc: ManagedProcess;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** SIGTERM (the API drains and exits), then the same API on the same port, ready again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `api/main.ts` on `taskQueue` and resolves once it answers `/readyz` (Temporal reachable). */
export async function startApiProcess(options: { taskQueue: string; token: string; extraEnv?: NodeJS.ProcessEnv }): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    // The encryption and sealing keys come from the environment global setup prepared.
    ...workerEnv({ address: inject('temporalAddress'), namespace: inject('temporalNamespace'), taskQueue: options.taskQueue }),
    AUDITFLOW_API_PORT: String(port),
    AUDITFLOW_API_TOKEN: options.token,
    AUDITFLOW_LOG_LEVEL: 'warn',
    ...options.extraEnv,
  };
  const launch = async (): Promise<ManagedProcess> => {
    const proc = startProcess('API process', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'api/main.ts')], { env });
    try {
      // Loading through tsx takes seconds when idle, far longer on 2 busy cores.
      await waitUntilReady(proc, async () => (await fetch(`${url}/readyz`)).ok, 120_000);
    } catch (error) {
      proc.child.kill('SIGKILL');
      throw error;
    }
    return proc;
  };
  const api: ApiProcess = {
    url,
    proc: await launch(),
    async request<T>(method: string, route: string, body?: unknown): Promise<ApiResponse<T>> {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the test sees the text.
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    },
    async restart() {
      await api.proc.stop();
      api.proc = await launch();
    },
    async stop() {
      await api.proc.stop();
    },
  };
  return api;
}
