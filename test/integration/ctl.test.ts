// `scripts/auditflow ctl` against the real API (in-process, real dev server, real worker): every command, and
// the API's error message with a non-zero exit on failure.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import { repoRoot } from '../../lib/temporal-config';
import { spaceMrn } from '../../sandbox/mondoo';
import { integrationBody, startApiHarness, waitFor, type ApiHarness } from '../helpers/api';
import { createTestBucket } from '../helpers/gcs';

interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('scripts/auditflow ctl', () => {
  let h: ApiHarness;
  let dir: string;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
    dir = mkdtempSync(path.join(tmpdir(), 'auditflow-ctl-'));
  });
  afterAll(async () => h?.close());

  /**
   * The script npm runs, without the start-up cost of the entry point; `fromDir` goes through
   * scripts/auditflow itself, run in that directory (as a user would, e.g. piping into jq).
   */
  function ctl(args: string[], env: Record<string, string> = {}, fromDir?: string): Promise<CtlResult> {
    const [command, commandArgs] = fromDir
      ? [path.join(repoRoot, 'scripts/auditflow'), ['ctl', ...args]]
      : [process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/ctl.ts'), ...args]];
    return new Promise((resolve) => {
      execFile(
        command,
        commandArgs,
        { cwd: fromDir ?? repoRoot, env: { ...process.env, AUDITFLOW_API_URL: h.url, AUDITFLOW_API_TOKEN: h.tokens.join(','), ...env } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }
  const json = <T>(result: CtlResult): T => {
    expect(result, result.stderr).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout) as T;
  };

  it('creates, lists, gets, pauses, resumes, runs and deletes', async () => {
    const file = path.join(dir, 'integration.json');
    writeFileSync(file, JSON.stringify(integrationBody({ bucket: await createTestBucket(), mondoo: h.mondoo, scopeMrn: spaceMrn('acme-sandbox-1mv8c5') })));
    // Through the entry point, from another directory, with a relative path: stdout is only the JSON.
    const created = json<Integration>(await ctl(['create', 'integration.json'], {}, dir));
    expect(created).toMatchObject({ status: 'active', source: { scopeMrn: spaceMrn('acme-sandbox-1mv8c5') } });
    const { id } = created;

    const ran = await waitFor('the first run', async () => {
      const detail = json<IntegrationDetail>(await ctl(['get', id]));
      return detail.lastRun?.outcome === 'completed' ? detail : undefined;
    });
    expect(ran.totals).toBeDefined();
    const listed = json<{ integrations: Integration[] }>(await ctl(['--', 'list'], {}, dir));
    expect(listed.integrations.map((i) => i.id)).toContain(id);

    expect(json(await ctl(['pause', id]))).toEqual({ id, action: 'pause', accepted: true });
    await waitFor('paused', async () =>
      json<{ integrations: Integration[] }>(await ctl(['list', '--status', 'paused'])).integrations.some((i) => i.id === id) ? true : undefined,
    );
    const refused = await ctl(['run', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is paused; resume it to export again (HTTP 409, integration_paused)');
    expect(json(await ctl(['resume', id]))).toMatchObject({ action: 'resume' });
    await waitFor('active again', async () => (json<IntegrationDetail>(await ctl(['get', id])).status === 'active' ? true : undefined));
    expect(json(await ctl(['run', id]))).toMatchObject({ action: 'run' });
    expect(json(await ctl(['delete', id]))).toMatchObject({ action: 'delete' });
    await waitFor('deleted', async () => (json<IntegrationDetail>(await ctl(['get', id])).status === 'deleted' ? true : undefined));
  });

  it('creates with a schedule and filters, and lists a page at a time by source type', async () => {
    const file = path.join(dir, 'scheduled.json');
    const schedule = { frequency: 'weekly', time: '06:00', dayOfWeek: 'monday', timezone: 'America/New_York' };
    const filters = { actions: ['mondoo.none.Such'] };
    const body = integrationBody(
      { bucket: await createTestBucket(), mondoo: h.mondoo, scopeMrn: spaceMrn('acme-sandbox-1mv8c5') },
      { intervalMinutes: undefined, schedule, filters },
    );
    writeFileSync(file, JSON.stringify(body));
    const created = json<Integration>(await ctl(['create', file]));
    expect(created).toMatchObject({ schedule, filters });
    const page = json<{ integrations: Integration[]; nextPageToken?: string }>(await ctl(['list', '--source-type', 'mondoo', '--limit', '1']));
    expect(page.integrations).toHaveLength(1);
    if (page.nextPageToken) {
      const next = json<{ integrations: Integration[] }>(await ctl(['list', '--source-type', 'mondoo', '--limit', '1', '--page-token', page.nextPageToken]));
      expect(next.integrations[0]?.id).not.toBe(page.integrations[0]!.id);
    }
    const bad = await ctl(['list', '--limit', '0']);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('  limit: limit must be a whole number from 1 to 1000') });
    expect(await ctl(['get', created.id, '--limit', '5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('go with list') });
    expect(json(await ctl(['delete', created.id]))).toMatchObject({ action: 'delete' });
  });

  it("fails with the API's message and a non-zero exit", async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...integrationBody({ bucket: 'Not_A_Bucket' }), intervalMinutes: 1 }));
    const invalid = await ctl(['create', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/^ctl: Invalid integration: destination\.bucket: bucket name .* \(HTTP 400, validation_failed\)/);
    expect(invalid.stderr).toContain('  intervalMinutes: intervalMinutes must be at least 5');

    const unknown = await ctl(['get', '00000000-0000-4000-8000-000000000000']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('was not found (HTTP 404, not_found)') });
    const unauthorized = await ctl(['list'], { AUDITFLOW_API_TOKEN: 'wrong' });
    expect(unauthorized).toMatchObject({ code: 1, stderr: expect.stringContaining('The bearer token is not valid (HTTP 401, unauthorized)') });
    // The second token of a rotation works as well as the first.
    expect((await ctl(['list'], { AUDITFLOW_API_TOKEN: h.tokens[1]! })).code).toBe(0);
    const unreachable = await ctl(['list'], { AUDITFLOW_API_URL: 'http://127.0.0.1:9' });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the API at http://127.0.0.1:9') });
    expect(await ctl(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await ctl(['pause'])).toMatchObject({ code: 2, stderr: expect.stringContaining('pause needs an integration id') });
    expect(await ctl(['list'], { AUDITFLOW_API_TOKEN: '' })).toMatchObject({ code: 2, stderr: expect.stringContaining('AUDITFLOW_API_TOKEN is not set') });
  });

  it('tests an integration file, exiting 1 when a part fails', async () => {
    const file = path.join(dir, 'test.json');
    const body = integrationBody({ bucket: await createTestBucket(), mondoo: h.mondoo });
    writeFileSync(file, JSON.stringify(body));
    const ok = json<{ source: { ok: boolean }; destination: { ok: boolean } }>(await ctl(['test', 'test.json'], {}, dir));
    expect(ok).toMatchObject({ source: { ok: true }, destination: { ok: true } });
    writeFileSync(file, JSON.stringify({ ...body, source: { ...body.source, token: 'not-the-token' } }));
    const failed = await ctl(['test', file]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ source: { ok: false, message: expect.stringContaining('HTTP 401') }, destination: { ok: true } });
    expect(failed.stdout).not.toContain('not-the-token');
  });

  it('creates, lists, gets and cancels one-time exports', async () => {
    const file = path.join(dir, 'export.json');
    const { name, source, destination } = integrationBody({ bucket: await createTestBucket(), mondoo: h.mondoo });
    const to = new Date(Date.now() - 1_000).toISOString();
    writeFileSync(file, JSON.stringify({ name, source, destination, from: '2025-06-01T00:00:00Z', to, lateArrivalSeconds: 3600 }));
    const created = json<{ id: string; status: string }>(await ctl(['exports', 'create', file]));
    expect(created.status).toBe('running');
    const listed = json<{ exports: Array<{ id: string }>; nextPageToken?: string }>(await ctl(['exports', 'list', '--status', 'running', '--limit', '1']));
    expect(listed.exports.map((e) => e.id)).toEqual([created.id]);
    expect(json<{ id: string }>(await ctl(['exports', 'get', created.id])).id).toBe(created.id);
    expect(json(await ctl(['exports', 'cancel', created.id]))).toEqual({ id: created.id, action: 'cancel', accepted: true });
    await waitFor('the export cancelled', async () =>
      json<{ status: string }>(await ctl(['exports', 'get', created.id])).status === 'cancelled' ? true : undefined,
    );
    expect(await ctl(['exports', 'cancel', created.id])).toMatchObject({ code: 1, stderr: expect.stringContaining('export_ended') });
    expect(await ctl(['exports', 'get'])).toMatchObject({ code: 2, stderr: expect.stringContaining('exports get needs an export id') });
    expect(await ctl(['exports', 'list', '--limit', '0'])).toMatchObject({ code: 1, stderr: expect.stringContaining('limit') });
  });
});
