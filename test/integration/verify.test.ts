// `verify` (issue 17) against real exports: it passes on what auditflow wrote, and fails, naming the
// problem, for each way an evidence trail can be tampered with. Runs the command as a user does
// (scripts/ctl.ts verify), reading the emulator's bucket; the keys are the worker's OIDC keys, their
// public half given as the JWKS file an auditor would download from /.well-known/jwks.json.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompactSign, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { IntegrationDetail } from '../../api/schemas/integration';
import { loadOidcSigningKeys, generateOidcSigningJwk, parseOidcSigningKeys } from '../../lib/wif-keys';
import { repoRoot } from '../../lib/temporal-config';
import { downloadObject } from '../../sandbox/gcs-media';
import { orgMrn } from '../../sandbox/mondoo';
import { deleteSignal } from '../../workflows/definitions';
import { integrationBody, startApiHarness, TEST_ORG, waitForIntegration, type ApiHarness } from '../helpers/api';
import { integrationConfig, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket, emulatorStorage } from '../helpers/gcs';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('verify', () => {
  let h: ApiHarness;
  let dir: string;
  let jwksFile: string;
  const storage = emulatorStorage();

  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
    dir = mkdtempSync(path.join(tmpdir(), 'auditflow-verify-'));
    // What GET /.well-known/jwks.json serves: the public half of the keys the worker signs with.
    jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: loadOidcSigningKeys({ log: { warn: () => undefined } }).all.map((k) => k.publicJwk) }));
  });
  afterAll(async () => h?.close());

  function verify(bucket: string, args: string[] = []): Promise<Result> {
    const destination = path.join(dir, `${bucket}.json`);
    // The auditor's destination file: no credentials, so the emulator gets none.
    writeFileSync(destination, JSON.stringify({ type: 'gcs', bucket, prefix: 'mondoo/', endpoint: inject('gcsEndpoint') }));
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(repoRoot, 'scripts/ctl.ts'), 'verify', '--destination', destination, '--jwks', jwksFile, ...args],
        { cwd: repoRoot, env: { ...process.env, AUDITFLOW_API_URL: h.url, AUDITFLOW_API_TOKEN: h.tokens[0] } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const read = (bucket: string, name: string) => downloadObject(storage.apiEndpoint, bucket, name);
  const write = (bucket: string, name: string, body: string) => storage.bucket(bucket).file(name).save(body, { resumable: false });
  const remove = (bucket: string, name: string) => storage.bucket(bucket).file(name).delete();

  it('passes on a real export and fails, naming the problem, for each tampering', async () => {
    const bucket = await createTestBucket(storage);
    const config = integrationConfig({
      mondooUrl: h.mondoo!.url,
      mondooToken: h.mondoo!.token,
      scopeMrn: orgMrn(TEST_ORG),
      bucket,
      limits: { maxEventsPerFile: 100 },
    });
    const handle = await startExport(h.env, config);
    const { totals } = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    await handle.signal(deleteSignal);
    const n = totals.events;
    expect(totals.files).toBeGreaterThan(6);
    const expectThrough = ['--expect-through', String(n)];
    const file = (from: number) => `mondoo/org-${TEST_ORG}-audit-logs-${from}-${Math.min(from + 99, n)}.jsonl`;
    const manifest = (from: number) => `mondoo/_manifests/org-${TEST_ORG}-manifest-${from}-${Math.min(from + 199, n)}.json`;

    const ok = await verify(bucket, expectThrough);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain(`signed chain over events 1-${n}`);
    expect(ok.stdout).toContain('OK: every check holds');
    const report = JSON.parse((await verify(bucket, [...expectThrough, '--json'])).stdout) as {
      ok: boolean;
      scopes: Array<{ files: number; newestManifestAt: string }>;
    };
    expect(report.ok).toBe(true);
    expect(report.scopes[0]).toMatchObject({ files: totals.files });
    expect(Date.parse(report.scopes[0]!.newestManifestAt)).toBeGreaterThan(Date.now() - 10 * 60_000);

    // A byte changed in a file.
    const original = await read(bucket, file(301));
    await write(bucket, file(301), original.replace('"class_uid":', '"class_uid" :'));
    let failed = await verify(bucket, expectThrough);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      new RegExp(`FAIL org-${TEST_ORG}: ${file(301)}: its bytes changed: SHA-256 [0-9a-f]{64}, manifest ${manifest(201)} says [0-9a-f]{64}`),
    );
    await write(bucket, file(301), original);

    // A file deleted in the middle.
    const middle = await read(bucket, file(401));
    await remove(bucket, file(401));
    failed = await verify(bucket, expectThrough);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`events 401-500 missing: no file holds them (before ${file(501)})`);
    expect(failed.stdout).toContain(`${file(401)} (events 401-500) is missing: manifest ${manifest(401)} lists it`);
    await write(bucket, file(401), middle);

    // A manifest replaced with one signed by another key.
    const signed = await read(bucket, manifest(201));
    const [, payload] = signed.split('.');
    const other = parseOidcSigningKeys(JSON.stringify([generateOidcSigningJwk('intruder')]))[0]!;
    const forged = await new CompactSign(Buffer.from(payload!, 'base64url'))
      .setProtectedHeader({ alg: 'RS256', typ: decodeProtectedHeader(signed).typ, kid: other.kid })
      .sign(other.privateKey);
    await write(bucket, manifest(201), forged);
    failed = await verify(bucket, expectThrough);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      `manifest ${manifest(201)}: signature does not verify against the JWKS (key "${other.kid}" is not in the JWKS: signed by another key)`,
    );
    await write(bucket, manifest(201), signed);

    // A file added outside the sequence.
    const added = `mondoo/org-${TEST_ORG}-audit-logs-${n + 1}-${n + 1}.jsonl`;
    await write(bucket, added, `${original.split('\n')[0]}\n`);
    failed = await verify(bucket, expectThrough);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${added} (event ${n + 1}) is not listed in any manifest: it was added outside the export's sequence`);
    await remove(bucket, added);
    expect((await verify(bucket, expectThrough)).code).toBe(0);
  });

  it('with --integration, fails when the last files and manifests are deleted, against the totals the API reports', async () => {
    const bucket = await createTestBucket(storage);
    const created = await h.request<{ id: string }>('POST', '/v1/integrations', { body: integrationBody({ bucket, mondoo: h.mondoo }) });
    expect(created.status).toBe(201);
    const { id } = created.body;
    const detail: IntegrationDetail = await waitForIntegration(h, id, (d) => d.lastRun?.outcome === 'completed');
    // A second run exports three new events: a second file and manifest.
    const first = detail.totals!.events;
    const at = new Date(Math.floor(Date.now() / 1000 - 30) * 1000).toISOString().replace('.000Z', 'Z');
    h.mondoo!.store.add(
      [1, 2, 3].map((i) => ({
        identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/jane' },
        resource: `//agents.api.mondoo.app/organizations/${TEST_ORG}/serviceaccounts/sa-${i}`,
        action: 'mondoo.agents.AgentManager.CreateServiceAccount',
        timestamp: at,
        msg: `new ${i}`,
        ip: '203.0.113.7',
        parent: orgMrn(TEST_ORG),
      })),
      { org: TEST_ORG },
    );
    expect((await h.request('POST', `/v1/integrations/${id}/run`)).status).toBe(202);
    const n = (await waitForIntegration(h, id, (d) => d.totals?.events === first + 3)).totals!.events;
    const ok = await verify(bucket, ['--integration', id]);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain(`expected through event ${n}`);

    // The tail: the last file and its manifest deleted. The rest is a consistent chain on its own
    // (without --integration verify passes), so only the integration's totals show what is gone.
    for (const name of [`mondoo/org-${TEST_ORG}-audit-logs-${first + 1}-${n}.jsonl`, `mondoo/_manifests/org-${TEST_ORG}-manifest-${first + 1}-${n}.json`]) {
      await remove(bucket, name);
    }
    expect((await verify(bucket)).code).toBe(0);
    const failed = await verify(bucket, ['--integration', id]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      `FAIL org-${TEST_ORG}: the evidence ends at event ${first}, but ${n} were exported: the files and manifests after it were deleted`,
    );
    await h.request('DELETE', `/v1/integrations/${id}`);
  });
});
