// The real worker process (worker/main.ts), started and SIGKILLed by tests that prove crash safety.
import { inject } from 'vitest';
import { startProcess, waitUntilReady, type ManagedProcess } from '../../lib/child-process';
import { workerEnv, workerProcessArgs } from '../../worker/process-args';

export interface WorkerProcess {
  proc: ManagedProcess;
  kill(): Promise<void>;
}

/** Starts `worker/main.ts` on `taskQueue` and resolves once it polls (its "worker started" log line). */
export async function startWorkerProcess(taskQueue: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  let started = false;
  const proc = startProcess('worker process', process.execPath, workerProcessArgs(), {
    // The encryption keys come from the environment global setup prepared.
    env: { ...workerEnv({ address: inject('temporalAddress'), namespace: inject('temporalNamespace'), taskQueue }), ...extraEnv },
  });
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('worker started')) started = true;
  });
  // Bundling the workflows takes ~10 s alone and over a minute at a load of 15 on 2 cores.
  try {
    await waitUntilReady(proc, async () => started, 180_000);
  } catch (error) {
    // A worker that starts after the test gave up would otherwise poll on, orphaned, for hours.
    proc.child.kill('SIGKILL');
    throw error;
  }
  return {
    proc,
    async kill() {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
  };
}
