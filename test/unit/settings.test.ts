// One schema for every AUDITFLOW_* variable: defaults, a clear error naming the variable, docs from it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../activities/sources/source-fetch';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../../activities/sources/gcp-audit-logs/types';
import { settingsFrom, settingsMarkdown, SETTINGS, SettingsError } from '../../lib/settings';
import { repoRoot } from '../../lib/temporal-config';

describe('settings', () => {
  it('has the documented defaults, and an empty variable counts as unset', () => {
    const settings = settingsFrom({ AUDITFLOW_API_PORT: '', AUDITFLOW_LOG_LEVEL: '  ' });
    expect(settings.AUDITFLOW_API_PORT).toBe(8080);
    expect(settings.AUDITFLOW_LOG_LEVEL).toBe('info');
    // The connectors' own defaults (used where no environment applies) are the same numbers.
    expect(settings.AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(settings.AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE).toBe(DEFAULT_REQUESTS_PER_MINUTE);
    expect(settings.AUDITFLOW_API_TOKEN).toBeUndefined();
  });

  it('parses lists, ports and numbers once', () => {
    const settings = settingsFrom({ AUDITFLOW_API_TOKEN: ' a , b,,', AUDITFLOW_METRICS_PORT: '9464', AUDITFLOW_UI_ORIGINS: 'http://127.0.0.1:8233' });
    expect(settings.AUDITFLOW_API_TOKEN).toEqual(['a', 'b']);
    expect(settings.AUDITFLOW_METRICS_PORT).toBe(9464);
    expect(settings.AUDITFLOW_UI_ORIGINS).toEqual(['http://127.0.0.1:8233']);
  });

  it('names every wrong variable, what it must be and what it was', () => {
    let error: unknown;
    try {
      settingsFrom({ AUDITFLOW_API_PORT: '80800', AUDITFLOW_LOG_LEVEL: 'loud', UNRELATED_VARIABLE: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).variables.sort()).toEqual(['AUDITFLOW_API_PORT', 'AUDITFLOW_LOG_LEVEL']);
    expect((error as Error).message).toContain('AUDITFLOW_API_PORT must be a port number, got "80800"');
    expect((error as Error).message).toMatch(/AUDITFLOW_LOG_LEVEL .*got "loud"/);
  });

  it('the worker and the API stop at start-up on a wrong value, naming it', () => {
    for (const entry of ['worker/main.ts', 'api/main.ts']) {
      let output = '';
      try {
        execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], {
          env: { ...process.env, AUDITFLOW_METRICS_PORT: 'ninety', AUDITFLOW_API_TOKEN: 't', TEMPORAL_ADDRESS: '127.0.0.1:1' },
          stdio: 'pipe',
          timeout: 60_000,
        });
      } catch (error) {
        output = String((error as { stdout?: Buffer }).stdout) + String((error as { stderr?: Buffer }).stderr);
      }
      expect(output, entry).toContain('AUDITFLOW_METRICS_PORT must be a port number, got \\"ninety\\"');
    }
  });

  it('docs/settings.md is generated from the schema (npm run settings-doc) and lists every variable', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs', 'settings.md'), 'utf8');
    expect(doc).toBe(settingsMarkdown());
    for (const name of Object.keys(SETTINGS)) expect(doc).toContain(`\`${name}\``);
  });

  it('no AUDITFLOW_ variable is read anywhere the schema does not know', () => {
    // Read as an environment variable: env.X, 'X', "X", $X, ${X} or an `X:` / `X=` key; not a constant
    // of that name (lib/version.ts) and not prose in comments.
    const found = execFileSync('git', ['grep', '-h', 'AUDITFLOW_', '--', '*.ts', '*.mjs', '*.sh', 'scripts/auditflow', '.ci/run'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const code = found.split('\n').filter((line) => !/^\s*(\/\/|\*|#)/.test(line) && !/\b(const|let) AUDITFLOW_/.test(line));
    const names = code.flatMap((line) => [...line.matchAll(/(?:[.'"$]|\{)(AUDITFLOW_[A-Z0-9_]+)|(AUDITFLOW_[A-Z0-9_]+)[:=]/g)].map((m) => m[1] ?? m[2]!));
    const unknown = [...new Set(names)].filter((name) => !(name in SETTINGS) && !name.endsWith('_'));
    expect(new Set(names).size).toBeGreaterThan(20); // the scan sees the variables at all
    expect(unknown).toEqual([]);
  });
});
