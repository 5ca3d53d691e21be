// The README's API walkthrough, taken from README.md itself (so the two cannot drift), run top to bottom
// with bash against a real stack started the README's way: `scripts/auditflow start`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/child-process';
import { repoRoot } from '../../lib/temporal-config';

const START = '<!-- walkthrough';
const END = '<!-- /walkthrough -->';

/** Every ```sh block between the walkthrough markers, in order. */
export function walkthroughScript(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error('README.md has no walkthrough markers');
  const blocks = [...readme.slice(from, to).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.join('\n');
}

/** What the README's comments promise, in order: every error code and accepted action. */
function promisedOutcomes(script: string): string[] {
  const comments = script.split('\n').map((line) => line.split('# ').slice(1).join('# '));
  return comments.flatMap((comment) => [...comment.matchAll(/"(?:code|action)":"[a-z_]+"/g)].map((m) => m[0]));
}

describe('README walkthrough', () => {
  const token = `walkthrough-${process.pid}`;
  let stack: ChildProcess;
  let ports: { api: number; gcs: number; temporal: number; ui: number };
  let output = '';

  beforeAll(async () => {
    ports = { api: await freePort(), gcs: await freePort(), temporal: await freePort(), ui: await freePort() };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'auditflow-walkthrough-data-'));
    stack = spawn(path.join(repoRoot, 'scripts/auditflow'), ['start'], {
      cwd: repoRoot,
      detached: true, // its own process group: stopped as a whole below
      env: {
        ...process.env,
        AUDITFLOW_DATA_DIR: dataDir,
        AUDITFLOW_API_TOKEN: token,
        AUDITFLOW_API_PORT: String(ports.api),
        AUDITFLOW_GCS_PORT: String(ports.gcs),
        TEMPORAL_PORT: String(ports.temporal),
        TEMPORAL_UI_PORT: String(ports.ui),
        TEMPORAL_ADDRESS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 300_000;
    while (!output.includes('press Ctrl-C to stop everything')) {
      if (stack.exitCode !== null || Date.now() > deadline) throw new Error(`scripts/auditflow start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 330_000);

  afterAll(async () => {
    if (!stack?.pid || stack.exitCode !== null) return;
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    process.kill(-stack.pid, 'SIGTERM');
    await exited;
  }, 60_000);

  it('the banner says how to use the built Temporal CLI, which reports its real version', () => {
    expect(output).toContain('Temporal CLI     scripts/auditflow temporal');
    expect(output).toMatch(/for a plain `temporal`: export PATH=".*\/path:\$PATH"/);
    const version = execFileSync(path.join(repoRoot, 'scripts/auditflow'), ['temporal', '--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(version).toMatch(/^temporal version 1\.5\.1 \(Server /);
  });

  it("the banner's sandbox lines create an integration per source, each of which exports", async () => {
    const created: Array<{ type: string; id: string }> = [];
    for (const type of ['mondoo', 'endorlabs', 'gcp-audit-logs']) {
      const command = new RegExp(`\\n  # ${type}\\n  (curl [^\\n]+)\\n`).exec(output)?.[1];
      expect(command, `no line for ${type} in:\n${output}`).toBeDefined();
      // As a reader would run it: the token exported, the line pasted.
      const body = execFileSync('bash', ['-euo', 'pipefail', '-c', command!], { encoding: 'utf8', env: { ...process.env, AUDITFLOW_API_TOKEN: token } });
      const integration = JSON.parse(body) as { id?: string; source?: { type?: string } };
      expect(integration.source?.type, body).toBe(type);
      created.push({ type, id: integration.id! });
    }
    const headers = { authorization: `Bearer ${token}` };
    for (const { type, id } of created) {
      const deadline = Date.now() + 180_000;
      let detail: { status?: string; lastRun?: { outcome?: string }; totals?: { events: number }; lastError?: unknown } = {};
      while (!(detail.lastRun?.outcome === 'completed' && detail.totals!.events > 0)) {
        if (Date.now() > deadline) throw new Error(`${type}: no export within 180 s: ${JSON.stringify(detail)}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        detail = (await (await fetch(`http://127.0.0.1:${ports.api}/v1/integrations/${id}`, { headers })).json()) as typeof detail;
      }
      expect(detail.status, type).toBe('active');
      await fetch(`http://127.0.0.1:${ports.api}/v1/integrations/${id}?releaseDestination=true`, { method: 'DELETE', headers });
    }
  }, 240_000);

  it('runs top to bottom as written, with the outcomes its comments show', async () => {
    const script = walkthroughScript(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
    // The reader pastes the token; the ports are this test's, so it runs beside a stack on the defaults.
    const runnable = script
      .replace('export AUDITFLOW_API_TOKEN=<the token start printed>', `export AUDITFLOW_API_TOKEN=${token}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${ports.api}`)
      .replaceAll('127.0.0.1:4443', `127.0.0.1:${ports.gcs}`);
    // No placeholder left for the reader to fill in (comments may show some).
    const code = runnable
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .map((line) => line.split(/\s+# /)[0]);
    expect(code.join('\n')).not.toMatch(/<[a-z ]+>/);
    // A directory of its own (the walkthrough writes integration.json), with the clone's scripts in it.
    const cwd = mkdtempSync(path.join(tmpdir(), 'auditflow-walkthrough-'));
    symlinkSync(path.join(repoRoot, 'scripts'), path.join(cwd, 'scripts'));
    // ctl and the Temporal CLI default to the default ports: told where this stack is, as a reader on other ports would.
    const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`, AUDITFLOW_API_URL: `http://127.0.0.1:${ports.api}` };
    delete env.AUDITFLOW_API_TOKEN;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const bash = spawn('bash', ['-euo', 'pipefail', '-c', runnable], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      bash.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      bash.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      bash.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

    // Each promised code/action appears, in the README's order.
    const promised = promisedOutcomes(script);
    expect(promised).toContain('"code":"integration_paused"');
    let at = 0;
    for (const outcome of promised) {
      // curl shows the API's compact JSON, ctl pretty-prints it.
      const pattern = new RegExp(outcome.replace('":"', '":\\s*"'));
      const found = pattern.exec(result.stdout.slice(at));
      expect(found, `${outcome} after offset ${at} in:\n${result.stdout}`).not.toBeNull();
      at += found!.index + found![0].length;
    }
    expect(result.stdout).not.toContain('destination_in_use');
    expect(result.stdout).toMatch(/"status":\s*"active"/); // the Temporal CLI's query through the codec
  }, 240_000);
});
