// How to launch the worker process. Measured with `npm run bench` (100k-event backfill, 3,000-event
// batches): a small young generation keeps RSS ~150 MB lower at little cost. Any old-space limit (256,
// 384 or 512 MB alike) costs ~5-15% throughput in garbage collection (worker CPU 7.0 vs 4.9 s) but keeps
// the peak at ~315 MB instead of ~395 MB (~460 MB at 1M events), and it also sizes the SDK's workflow
// cache (~200 workflows at 512 MB; ~2,300 without a limit, which held 1,000 idle integrations in 750 MB).
// glibc's MALLOC_ARENA_MAX=2 (two malloc arenas instead of up to eight per core for the native threads)
// held 300 idle integrations in ~38 MB less RSS; `--optimize-for-size` saved ~80 MB more but halved the
// backfill's throughput (bench/RESULTS.md, "Worker RSS: what each piece costs").
import path from 'node:path';
import { repoRoot } from '../lib/temporal-config';

export const WORKER_NODE_ARGS = ['--max-semi-space-size=8', '--max-old-space-size=512'];

/** Read by glibc when the process starts, so set in its environment (npm run worker sets it too); a value already set wins. */
export const WORKER_ENV_DEFAULTS = { MALLOC_ARENA_MAX: '2' };

/** The environment that points a worker process at a Temporal server, task queue and payload keys. */
export function workerEnv(options: { address: string; namespace: string; taskQueue: string; encryptionKeys?: string }): NodeJS.ProcessEnv {
  return {
    ...WORKER_ENV_DEFAULTS,
    ...process.env,
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_NAMESPACE: options.namespace,
    AUDITFLOW_TASK_QUEUE: options.taskQueue,
    ...(options.encryptionKeys ? { AUDITFLOW_ENCRYPTION_KEYS: options.encryptionKeys } : {}),
  };
}

/** `node` arguments that run worker/main.ts as `npm run worker` does (the bench may try other V8 flags). */
export function workerProcessArgs(nodeArgs: readonly string[] = WORKER_NODE_ARGS): string[] {
  return [...nodeArgs, '--import', 'tsx', path.join(repoRoot, 'worker/main.ts')];
}
