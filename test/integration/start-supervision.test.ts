// `scripts/auditflow start` supervises its stack: a SIGKILLed worker is restarted (and says why), the
// stack and its demo integration stay, and exports continue through the new worker. Runs the real
// start script on free ports and a temporary data dir.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, type ManagedProcess } from '../../lib/child-process';
import { repoRoot } from '../../lib/temporal-config';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOKEN = 'supervision-test-token';

async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await Promise.resolve(check()).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await sleep(500);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** The pid of the child of `parent` whose command line contains `marker` (Linux /proc). */
function childPid(parent: number, marker: string): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

interface Detail {
  status: string;
  lastRun?: { startedAt: string; outcome?: string; events: number };
  totals?: { events: number };
}

describe('scripts/start.ts supervision', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'auditflow-start-'));
  let start: ManagedProcess | undefined;
  afterAll(async () => {
    await start?.stop(60_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts a killed worker; the demo integration stays and exports continue', { timeout: 600_000 }, async () => {
    const [temporalPort, uiPort, apiPort, gcsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    let output = '';
    start = startProcess('start', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: '',
        TEMPORAL_NAMESPACE: '',
        AUDITFLOW_TASK_QUEUE: '',
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        AUDITFLOW_API_PORT: String(apiPort),
        AUDITFLOW_GCS_PORT: String(gcsPort),
        AUDITFLOW_DATA_DIR: dataDir,
        AUDITFLOW_API_TOKEN: TOKEN,
      },
    });
    start.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const get = async (id: string): Promise<Detail> =>
      (await (await fetch(`${api}/v1/integrations/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Detail;

    await eventually(
      'the stack is up',
      () => output.includes('press Ctrl-C') || (start!.child.exitCode !== null ? Promise.reject(new Error(output)) : undefined),
      300_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; start said:\n${output.slice(-4000)}`);
    });
    const demoId = /demo: integration ([0-9a-f-]{36})/.exec(output)?.[1];
    const workerPid = childPid(start.child.pid!, 'worker/main.ts');
    expect(demoId, output).toBeDefined();
    expect(workerPid, output).toBeGreaterThan(0);
    const first = await eventually(
      'the first demo export',
      async () => {
        const detail = await get(demoId!);
        return detail.lastRun?.outcome === 'completed' ? detail : undefined;
      },
      120_000,
    );

    process.kill(workerPid!, 'SIGKILL');
    await eventually('the worker restarted', () => /worker restarted \(pid \d+\)/.test(output) || start!.child.exitCode !== null, 60_000);
    expect(start.child.exitCode, output).toBeNull();
    expect(output).toMatch(/worker stopped unexpectedly \(killed by SIGKILL\); restarting in/);
    expect(start.child.exitCode, output).toBeNull();
    expect((await get(demoId!)).status).toBe('active');

    // An export now runs on the restarted worker and completes.
    const run = await fetch(`${api}/v1/integrations/${demoId}/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(run.status).toBe(202);
    const next = await eventually(
      'an export after the restart',
      async () => {
        const detail = await get(demoId!);
        return detail.lastRun?.outcome === 'completed' && detail.lastRun.startedAt > first.lastRun!.startedAt ? detail : undefined;
      },
      120_000,
    );
    expect(next.totals!.events).toBeGreaterThanOrEqual(first.totals!.events);

    expect(output).toContain(`worker pid ${workerPid}`); // the banner names the processes

    // Ctrl-C (SIGTERM here) still stops everything, and only then the demo integration goes.
    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    expect(output).toContain('auditflow: stopped');
  });
});
