// Every entry point checks the Node version before anything else and says what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/temporal-config';

const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const ENTRY_POINTS = ['start', 'worker', 'api', 'ctl', 'tools', 'bench', 'chaos', 'test'];

/** This machine's system Node when it is too old (Node 20 here), else undefined: the real failure case. */
const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((file) => {
  if (!existsSync(file)) return false;
  const [major, minor] = execFileSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.').map(Number);
  return major! < 22 || (major === 22 && minor! < 15);
});

describe('the Node version check', () => {
  it.each(ENTRY_POINTS)('npm run %s checks first', (name) => {
    // An environment assignment may come first (the worker's MALLOC_ARENA_MAX), then node and its V8 flags, whose first import is the check.
    expect(scripts[name]).toMatch(/^([A-Z_]+=\S+ )*(exec )?node (--[a-z-]+=\S+ )*(--import )?\.\/scripts\/check-node\.mjs/);
  });

  it('vitest itself checks first, for a direct npx vitest', () => {
    expect(readFileSync(path.join(repoRoot, 'vitest.config.ts'), 'utf8')).toMatch(/^import '\.\/scripts\/check-node\.mjs';$/m);
  });

  it('passes on this Node', () => {
    const result = spawnSync(process.execPath, ['--import', './scripts/check-node.mjs', '-e', 'console.log("ran")'], { cwd: repoRoot, encoding: 'utf8' });
    expect([result.status, result.stdout]).toEqual([0, 'ran\n']);
  });

  it.skipIf(!oldNode)('stops an old Node with what to do, before the program runs', () => {
    const result = spawnSync(oldNode!, ['--import', './scripts/check-node.mjs', '-e', 'console.log("ran")'], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^auditflow: Node 2\d\.\d+\.\d+ \(.*\) is too old: auditflow needs Node >= 22\.15/);
    expect(result.stderr).toContain('run it through scripts/auditflow');
  });
});
