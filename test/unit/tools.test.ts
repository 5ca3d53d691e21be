// Tool provisioning against a stand-in `go` (a script that records its arguments and writes a binary
// after a pause): what is built, with which flags, once, overlapped, with progress, and where to.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedToolPath, ensureTool, ensureTools, temporalPathLine } from '../../lib/tools';

const FAKE_GO = `#!/bin/sh
echo "start $(date +%s%N) $*" >> "$FAKE_GO_LOG"
echo "go: downloading example.com/module v1.0.0" >&2
sleep 1
for last; do :; done
name=$(basename "\${last%@*}")
[ "$name" = cli ] && name=temporal
printf '#!/bin/sh\\necho "%s built by the stand-in"\\n' "$name" > "$GOBIN/$name"
chmod +x "$GOBIN/$name"
echo "end $(date +%s%N) $name" >> "$FAKE_GO_LOG"
`;

function sandbox() {
  const dir = mkdtempSync(path.join(tmpdir(), 'auditflow-tools-'));
  const goDir = path.join(dir, 'go-bin');
  mkdirSync(goDir);
  writeFileSync(path.join(goDir, 'go'), FAKE_GO);
  chmodSync(path.join(goDir, 'go'), 0o755);
  const env = { PATH: `${goDir}:/usr/bin:/bin`, AUDITFLOW_CACHE: path.join(dir, 'cache'), FAKE_GO_LOG: path.join(dir, 'go.log') };
  const lines: string[] = [];
  const goLog = () => readFileSync(env.FAKE_GO_LOG, 'utf8').trim().split('\n');
  return { dir, env, lines, log: (line: string) => lines.push(line), goLog };
}

describe('tool provisioning', () => {
  it('builds both tools once, overlapped, with link flags and the CLI version, saying what happens', async () => {
    const box = sandbox();
    const paths = await ensureTools(['temporal', 'fake-gcs-server'], box.env, box.log, 200);
    expect(paths).toEqual({ temporal: cachedToolPath('temporal', box.env), 'fake-gcs-server': cachedToolPath('fake-gcs-server', box.env) });
    expect(execFileSync(paths.temporal, { encoding: 'utf8' })).toBe('temporal built by the stand-in\n');

    const calls = box.goLog();
    const starts = calls.filter((line) => line.startsWith('start'));
    expect(starts).toHaveLength(2);
    expect(starts.find((line) => line.includes('temporalio/cli'))).toContain(
      'install -ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=1.5.1 github.com/temporalio/cli/cmd/temporal@v1.5.1',
    );
    // Overlapped: the second build started before the first ended.
    const times = calls.map((line) => Number(line.split(' ')[1]));
    expect(calls[1]!.startsWith('start')).toBe(true);
    expect(times[1]).toBeLessThan(Math.max(times[2]!, times[3]!));

    const said = box.lines.join('\n');
    expect(said).toMatch(/building temporal v1\.5\.1 with `go install '-ldflags=.*'.*This happens once/);
    expect(said).toMatch(/still building temporal v1\.5\.1: \d+ s elapsed, modules downloaded: 1/);
    expect(said).toMatch(/built fake-gcs-server v1\.55\.1 in \d+ s/);

    // Once: a second call finds the cache and says nothing.
    box.lines.length = 0;
    expect(await ensureTool('temporal', box.env, box.log)).toBe(paths.temporal);
    expect(box.lines).toEqual([]);
    expect(box.goLog()).toHaveLength(4);
  });

  it('builds the S3 server (versitygw) with its version set, as its Makefile does', async () => {
    const box = sandbox();
    expect(await ensureTool('versitygw', box.env, box.log, 200)).toBe(cachedToolPath('versitygw', box.env));
    expect(box.goLog()[0]).toContain('install -ldflags=-s -w -X main.Version=v1.8.0 github.com/versity/versitygw/cmd/versitygw@v1.8.0');
    expect(await ensureTool('versitygw', { ...box.env, VERSITYGW_PATH: '/bin/sh' })).toBe('/bin/sh');
  });

  it('names the cached binary after its build recipe, so a binary built differently is rebuilt', async () => {
    const box = sandbox();
    const stale = path.join(box.env.AUDITFLOW_CACHE, 'bin', 'temporal-v1.5.1'); // the name before the version flag
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, '#!/bin/sh\necho 0.0.0-DEV\n');
    chmodSync(stale, 0o755);
    expect(path.basename(cachedToolPath('temporal', box.env))).toMatch(/^temporal-v1\.5\.1-[0-9a-f]{8}$/);
    expect(await ensureTool('temporal', box.env, box.log, 200)).toBe(cachedToolPath('temporal', box.env));
    expect(box.goLog()[0]).toContain('temporalio/cli');
  });

  it('builds nothing when the tool is named or on PATH', async () => {
    const box = sandbox();
    expect(await ensureTool('temporal', { ...box.env, TEMPORAL_CLI_PATH: '/bin/sh' })).toBe('/bin/sh');
    await expect(ensureTool('temporal', { ...box.env, TEMPORAL_CLI_PATH: '/nonexistent' })).rejects.toThrow(
      'TEMPORAL_CLI_PATH=/nonexistent is not an executable file',
    );
    const onPath = path.join(box.dir, 'on-path');
    mkdirSync(onPath);
    writeFileSync(path.join(onPath, 'fake-gcs-server'), '#!/bin/sh\n');
    chmodSync(path.join(onPath, 'fake-gcs-server'), 0o755);
    expect(await ensureTool('fake-gcs-server', { ...box.env, PATH: `${onPath}:${box.env.PATH}` })).toBe(path.join(onPath, 'fake-gcs-server'));
    expect(() => box.goLog()).toThrow(/ENOENT/); // go never ran
  });

  it('links a plain `temporal` for the PATH line start prints', async () => {
    const box = sandbox();
    const binary = await ensureTool('temporal', box.env, box.log, 200);
    const line = temporalPathLine(binary, box.env);
    const dir = path.join(box.env.AUDITFLOW_CACHE, 'path');
    expect(line).toBe(`export PATH="${dir}:$PATH"`);
    expect(execFileSync('sh', ['-c', `${line} && temporal`], { encoding: 'utf8', env: box.env })).toBe('temporal built by the stand-in\n');
    // With that dir on PATH the link is not mistaken for a user's own temporal (it may point at an old build).
    expect(await ensureTool('temporal', { ...box.env, PATH: `${dir}:${box.env.PATH}` })).toBe(binary);
  });
});
