import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The two binaries the project needs that are not on npm. Both are built from the Go module proxy
 * once and cached outside the clone; a copy already on PATH (or named by an env var) wins.
 */
export const TOOLS = {
  temporal: {
    envVar: 'TEMPORAL_CLI_PATH',
    module: 'github.com/temporalio/cli/cmd/temporal',
    // Every tag from v1.6.0 on has a `replace` directive in go.mod, which `go install` refuses.
    version: 'v1.5.1',
  },
  'fake-gcs-server': {
    envVar: 'FAKE_GCS_SERVER_PATH',
    module: 'github.com/fsouza/fake-gcs-server',
    version: 'v1.55.1',
  },
} as const;
export type ToolName = keyof typeof TOOLS;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AUDITFLOW_CACHE || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'auditflow');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A directory lock: mkdir is atomic, so two test processes never run `go install` at once. */
function withBuildLock<T>(dir: string, fn: () => T): T {
  const lock = path.join(dir, '.build.lock');
  const staleMs = 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { recursive: true, force: true });
      } catch {
        // The holder released it between our two calls: try again.
      }
      sleepSync(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function goBinary(env: NodeJS.ProcessEnv): string | undefined {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Returns the path of a working binary for `name`, building it with `go install` into the cache when
 * neither an explicit path, PATH, nor the cache has it. Throws one actionable message otherwise.
 */
export function ensureTool(name: ToolName, env: NodeJS.ProcessEnv = process.env, log = console.error): string {
  const tool = TOOLS[name];
  const explicit = env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  const found = onPath(name, env);
  if (found) return found;

  const binDir = path.join(cacheDir(env), 'bin');
  const cached = path.join(binDir, `${name}-${tool.version}`);
  if (isExecutable(cached)) return cached;

  const go = goBinary(env);
  if (!go) {
    throw new Error(
      `${name} ${tool.version} is needed and was not found. Either put it on PATH (or set ${tool.envVar}), ` +
        `or install Go >= 1.25 (https://go.dev/dl) so auditflow can build it with ` +
        `\`go install ${tool.module}@${tool.version}\`.`,
    );
  }
  mkdirSync(binDir, { recursive: true });
  return withBuildLock(binDir, () => {
    if (isExecutable(cached)) return cached; // built by whoever held the lock before us
    const gobin = mkdtempSync(path.join(binDir, `.build-${name}-`));
    try {
      log(`auditflow: building ${name} ${tool.version} with go install (once; the first build takes minutes)`);
      const started = Date.now();
      const result = spawnSync(go, ['install', `${tool.module}@${tool.version}`], {
        env: { ...env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (result.status !== 0) {
        throw new Error(`go install ${tool.module}@${tool.version} failed (exit ${result.status ?? result.signal})`);
      }
      renameSync(path.join(gobin, name), cached);
      log(`auditflow: built ${cached} in ${Math.round((Date.now() - started) / 1000)} s`);
      return cached;
    } finally {
      rmSync(gobin, { recursive: true, force: true });
    }
  });
}

export function toolVersion(file: string): string {
  return execFileSync(file, ['--version'], { encoding: 'utf8' }).trim();
}
