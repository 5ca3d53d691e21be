// How worker processes are launched: the V8 flags of `npm run worker`, and MALLOC_ARENA_MAX=2 unless the
// environment already sets it (measured: bench/RESULTS.md, "Worker RSS: what each piece costs").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/temporal-config';
import { WORKER_NODE_ARGS, workerEnv, workerProcessArgs } from '../../worker/process-args';

const target = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'q' };

describe('worker process launch', () => {
  const saved = process.env.MALLOC_ARENA_MAX;
  afterEach(() => {
    if (saved === undefined) delete process.env.MALLOC_ARENA_MAX;
    else process.env.MALLOC_ARENA_MAX = saved;
  });

  it('sets MALLOC_ARENA_MAX=2 unless the environment has its own', () => {
    delete process.env.MALLOC_ARENA_MAX;
    expect(workerEnv(target).MALLOC_ARENA_MAX).toBe('2');
    process.env.MALLOC_ARENA_MAX = '4';
    expect(workerEnv(target).MALLOC_ARENA_MAX).toBe('4');
  });

  it('runs worker/main.ts with the same V8 flags and malloc arenas as npm run worker', () => {
    const script = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.worker!;
    expect(script).toContain('MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} exec node');
    for (const flag of WORKER_NODE_ARGS) expect(script).toContain(flag);
    expect(workerProcessArgs().slice(0, WORKER_NODE_ARGS.length)).toEqual(WORKER_NODE_ARGS);
    expect(workerProcessArgs(['--max-old-space-size=256'])[0]).toBe('--max-old-space-size=256');
  });
});
