import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuSeconds, threadCpuSince } from '../../bench/process-stats';

/** Spins until this thread has used `seconds` of CPU (not of wall time: a loaded machine only makes it slower). */
const BURN = `(seconds) => { const start = process.threadCpuUsage(); let x = 0;
  for (;;) { for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + i);
    const used = process.threadCpuUsage(start); if ((used.user + used.system) / 1e6 >= seconds) return x; } }`;
// The same function on both threads, written once.
const burn = new Function(`return ${BURN}`)() as (seconds: number) => number;

describe('CPU by thread (bench/process-stats.ts)', () => {
  it('charges CPU spent on the JavaScript thread to MainThread, and a worker thread to WorkerThread', async () => {
    const before = threadCpuSeconds(process.pid);
    burn(0.3);
    // The thread burns, says so, and stays alive until told to end: a thread that ended is gone from /proc.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads'); (${BURN})(0.3); parentPort.postMessage('burnt'); parentPort.once('message', () => process.exit(0));`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const during = threadCpuSince(before, threadCpuSeconds(process.pid));
    worker.postMessage('end');
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(during.MainThread).toBeGreaterThanOrEqual(0.2); // /proc counts in ticks: leave room
    expect(during.WorkerThread).toBeGreaterThanOrEqual(0.2);
  });

  it('subtracts per name, rounds to 0.1 s and leaves out names with nothing spent', () => {
    expect(threadCpuSince({ MainThread: 1.04, V8Worker: 2 }, { MainThread: 3.1, V8Worker: 2, WorkerThread: 0.46 })).toEqual({
      MainThread: 2.1,
      WorkerThread: 0.5,
    });
  });

  it('reads nothing for a process that is gone', () => {
    expect(threadCpuSeconds(2 ** 22 + 12345)).toEqual({});
  });
});
