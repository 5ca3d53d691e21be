// Kubernetes-style probes for the worker, beside its Prometheus metrics: /healthz says the process is
// alive and its worker has not failed (a worker still waiting for Temporal is alive: restarting it would
// not help), /readyz that the worker polls and Temporal answers now.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, Worker } from '@temporalio/worker';

/** What the probes look at; filled in as start-up proceeds. */
export interface WorkerHealth {
  worker?: Pick<Worker, 'getState'>;
  connection?: Pick<NativeConnection, 'withDeadline' | 'workflowService'>;
}

/** A probe must answer well within the kubelet's default 1 s timeout… plus a loaded machine's slack. */
const READY_TIMEOUT_MS = 1_500;

async function readiness(health: WorkerHealth): Promise<{ ready: boolean; reason?: string }> {
  const state = health.worker?.getState();
  if (state !== 'RUNNING') return { ready: false, reason: state ? `worker is ${state}` : 'worker is starting (waiting for Temporal or bundling)' };
  try {
    await health.connection!.withDeadline(Date.now() + READY_TIMEOUT_MS, () => health.connection!.workflowService.getSystemInfo({}));
    return { ready: true };
  } catch (error) {
    return { ready: false, reason: `Temporal does not answer: ${(error as Error).message}` };
  }
}

function send(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export async function startHealthServer(options: { port: number; host: string; health: WorkerHealth }): Promise<{ url: string; close(): Promise<void> }> {
  const { health } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET only' });
    if (path === '/healthz') {
      const state = health.worker?.getState() ?? 'STARTING';
      const alive = state !== 'FAILED' && state !== 'STOPPED';
      return send(res, alive ? 200 : 503, { status: alive ? 'ok' : 'failed', worker: state });
    }
    if (path === '/readyz') {
      void readiness(health).then(({ ready, reason }) => send(res, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not_ready', reason }));
      return;
    }
    send(res, 404, { error: 'not found: /healthz, /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
