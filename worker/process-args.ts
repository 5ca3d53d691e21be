// How to launch the worker process. V8 grows its heap lazily: with default limits the worker's RSS
// rose from ~250 MB to ~650 MB over a 100k-event backfill without holding on to anything. A bounded
// old space keeps it flat (bench, 100k events: peak 303 MB vs 292 MB at 20k) at the same throughput.
import path from 'node:path';
import { repoRoot } from '../lib/temporal-config';

export const WORKER_NODE_ARGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];

/** `node` arguments that run worker/main.ts as `npm run worker` does. */
export function workerProcessArgs(): string[] {
  return [...WORKER_NODE_ARGS, '--import', 'tsx', path.join(repoRoot, 'worker/main.ts')];
}
