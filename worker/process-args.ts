// How to launch the worker process. V8 grows its heap lazily: with default limits the worker's RSS
// rose from ~250 MB to ~650 MB over a 100k-event backfill without holding on to anything. A bounded
// old space keeps it flat (bench, 100k events: peak 303 MB vs 292 MB at 20k) at the same throughput.
import path from 'node:path';
import { repoRoot } from '../lib/temporal-config';

export const WORKER_NODE_ARGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];

/** The environment that points a worker process at a Temporal server, task queue and payload keys. */
export function workerEnv(options: { address: string; namespace: string; taskQueue: string; encryptionKeys?: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_NAMESPACE: options.namespace,
    AUDITFLOW_TASK_QUEUE: options.taskQueue,
    ...(options.encryptionKeys ? { AUDITFLOW_ENCRYPTION_KEYS: options.encryptionKeys } : {}),
  };
}

/** `node` arguments that run worker/main.ts as `npm run worker` does. */
export function workerProcessArgs(): string[] {
  return [...WORKER_NODE_ARGS, '--import', 'tsx', path.join(repoRoot, 'worker/main.ts')];
}
