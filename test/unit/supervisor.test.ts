// The local stack's supervisor with real child processes: restarts with growing backoff, says why, gives
// up on a crash loop, and restarts nothing once stopped.
import { describe, expect, it } from 'vitest';
import { startProcess } from '../../lib/child-process';
import { Supervisor } from '../../lib/supervisor';

const node = (name: string, code: string) => () => Promise.resolve(startProcess(name, process.execPath, ['-e', code]));

describe('Supervisor', () => {
  it('restarts a process that crashes, with backoff, and gives up on a crash loop', async () => {
    const lines: string[] = [];
    let starts = 0;
    const gaveUp = new Promise<string>((resolve) => {
      const supervisor = new Supervisor({
        say: (line) => lines.push(line),
        crashLoop: { crashes: 4, windowMs: 60_000 },
        backoff: { initialMs: 50, maxMs: 400 },
        onCrashLoop: (name) => resolve(name),
      });
      void supervisor.add({ name: 'crasher', start: () => (starts++, node('crasher', 'process.exit(3)')()) });
    });
    expect(await gaveUp).toBe('crasher');
    expect(starts).toBe(4);
    const delays = lines.map((l) => /restarting in (\S+) s/.exec(l)?.[1]).filter(Boolean);
    expect(delays).toEqual(['0.1', '0.1', '0.2']);
    expect(lines.filter((l) => /^crasher restarted \(pid \d+\)$/.test(l))).toHaveLength(3);
    expect(lines[0]).toMatch(/^crasher stopped unexpectedly \(exit code 3\); restarting in/);
    expect(lines.at(-1)).toMatch(/^crasher crashed 4 times within 60 s \(last: exit code 3\); giving up$/);
  });

  it('brings a killed process back and stops everything on request', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      backoff: { initialMs: 50, maxMs: 50 },
      onCrashLoop: () => expect.fail('no crash loop'),
    });
    const first = await supervisor.add({ name: 'sleeper', start: node('sleeper', 'setInterval(() => {}, 1000)') });
    first.child.kill('SIGKILL');
    await expect.poll(() => supervisor.current('sleeper')?.child.pid ?? first.child.pid, { timeout: 10_000 }).not.toBe(first.child.pid);
    const second = supervisor.current('sleeper')!;
    expect(second.child.pid).toBeGreaterThan(0);
    expect(lines).toContainEqual(expect.stringMatching(/^sleeper stopped unexpectedly \(killed by SIGKILL\)/));
    await supervisor.stopAll();
    expect(second.child.signalCode).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(supervisor.current('sleeper')).toBe(second); // not restarted after a requested stop
  });
});
