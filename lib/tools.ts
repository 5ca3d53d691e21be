import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, createWriteStream, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { settingsFrom } from './settings';

/**
 * The binaries the project needs that are not on npm. Each is built from the Go module proxy once and
 * cached outside the clone; a copy already on PATH (or named by an env var) wins.
 */
export const TOOLS = {
  temporal: {
    envVar: 'TEMPORAL_CLI_PATH',
    module: 'github.com/temporalio/cli/cmd/temporal',
    // Every tag from v1.6.0 on has a `replace` directive in go.mod, which `go install` refuses.
    version: 'v1.5.1',
    // What the release build sets (the CLI's .goreleaser.yml): without it `temporal --version` says 0.0.0-DEV.
    ldflags: '-X github.com/temporalio/cli/temporalcli.Version=1.5.1',
  },
  'fake-gcs-server': {
    envVar: 'FAKE_GCS_SERVER_PATH',
    module: 'github.com/fsouza/fake-gcs-server',
    version: 'v1.55.1',
    ldflags: '',
  },
  // An S3 server that verifies SigV4 signatures, honours If-None-Match and has users and bucket
  // policies: the S3 destination's tests run against it. Apache-2.0 (MinIO is AGPL).
  versitygw: {
    envVar: 'VERSITYGW_PATH',
    module: 'github.com/versity/versitygw/cmd/versitygw',
    version: 'v1.8.0',
    // What its Makefile sets: without it `versitygw --version` says "git".
    ldflags: '-X main.Version=v1.8.0',
  },
} as const;
export type ToolName = keyof typeof TOOLS;

/** How often a build in progress reports that it is still going. */
export const PROGRESS_INTERVAL_MS = 30_000;
/** A lock older than this belongs to a build that died (a cold build on a busy machine takes ~15 min). */
const STALE_LOCK_MS = 45 * 60_000;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return settingsFrom(env).AUDITFLOW_CACHE || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'auditflow');
}

/** Holds a plain `temporal` (a link to the built binary) for the PATH line `start` prints. */
export function pathDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'path');
}

/**
 * `go install` arguments. Only link flags: -s -w drop the symbol table and DWARF (a smaller binary,
 * less to write), -X sets the version. Compile flags such as -trimpath would change every package's
 * build id, so a Go build cache warmed by an earlier build would be recompiled instead of relinked.
 * The environment pins a static build.
 */
export function buildRecipe(name: ToolName): { args: string[]; env: Record<string, string> } {
  const tool = TOOLS[name];
  return {
    args: ['install', `-ldflags=-s -w ${tool.ldflags}`.trim(), `${tool.module}@${tool.version}`],
    env: { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  };
}

/**
 * The cached binary's path. Its name carries a hash of the build recipe, so a change of version or
 * flags makes every existing cache rebuild instead of running a stale binary.
 */
export function cachedToolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const recipe = createHash('sha256')
    .update(JSON.stringify(buildRecipe(name)))
    .digest('hex')
    .slice(0, 8);
  return path.join(cacheDir(env), 'bin', `${name}-${TOOLS[name].version}-${recipe}`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `name` on PATH, ignoring our own path dir (its link may point at an older recipe). */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const own = path.resolve(pathDir(env));
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && path.resolve(dir) !== own && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function goBinary(env: NodeJS.ProcessEnv): string | undefined {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** A path that works without building, or undefined when a build is needed. */
export function findTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const tool = TOOLS[name];
  const explicit = env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  const found = onPath(name, env);
  if (found) return found;
  const cached = cachedToolPath(name, env);
  return isExecutable(cached) ? cached : undefined;
}

const minutes = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

/** A directory lock per tool (mkdir is atomic): two processes never build the same tool at once. */
async function withBuildLock<T>(name: ToolName, binDir: string, log: (line: string) => void, progressMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(binDir, `.build-${name}.lock`);
  const waitingSince = Date.now();
  let lastNotice = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // The holder released it between our two calls: try again.
      }
      if (Date.now() - lastNotice >= progressMs) {
        log(`auditflow: waiting for another process that is building ${name} (${minutes(Date.now() - waitingSince)} so far; lock ${lock})`);
        lastNotice = Date.now();
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs `go install` for one tool, with its output in a log file and a progress line every 30 s. */
async function build(name: ToolName, go: string, env: NodeJS.ProcessEnv, log: (line: string) => void, progressMs: number): Promise<string> {
  const tool = TOOLS[name];
  const cached = cachedToolPath(name, env);
  const binDir = path.dirname(cached);
  const gobin = mkdtempSync(path.join(binDir, `.build-${name}-`));
  const logFile = path.join(binDir, `.build-${name}.log`);
  const recipe = buildRecipe(name);
  try {
    log(
      `auditflow: building ${name} ${tool.version} with \`go ${recipe.args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}\` into ${binDir}. ` +
        'This happens once; later runs reuse it. A cold build takes 3-15 minutes (longer on a busy machine).',
    );
    const started = Date.now();
    const child = spawn(go, recipe.args, { env: { ...env, ...recipe.env, GOBIN: gobin }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(logFile);
    let downloads = 0;
    child.stderr.on('data', (chunk: Buffer) => (downloads += chunk.toString().split('go: downloading').length - 1));
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const ticker = setInterval(() => {
      const phase = downloads > 0 ? `modules downloaded: ${downloads}` : 'compiling';
      log(`auditflow: still building ${name} ${tool.version}: ${minutes(Date.now() - started)} elapsed, ${phase} (log: ${logFile})`);
    }, progressMs);
    const code = await new Promise<number | null>((resolve) => {
      child.once('close', resolve);
      child.once('error', () => resolve(null));
    }).finally(() => clearInterval(ticker));
    await new Promise((resolve) => out.end(resolve));
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
      throw new Error(`go install ${tool.module}@${tool.version} failed (exit ${code}); the end of ${logFile}:\n${tail}`);
    }
    renameSync(path.join(gobin, name), cached);
    log(`auditflow: built ${name} ${tool.version} in ${minutes(Date.now() - started)}: ${cached}`);
    return cached;
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

/**
 * Returns the path of a working binary for `name`, building it with `go install` into the cache when
 * neither an explicit path, PATH, nor the cache has it. Throws one actionable message otherwise.
 */
export async function ensureTool(
  name: ToolName,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
  progressMs = PROGRESS_INTERVAL_MS,
): Promise<string> {
  const found = findTool(name, env);
  if (found) return found;
  const tool = TOOLS[name];
  const go = goBinary(env);
  if (!go) {
    throw new Error(
      `${name} ${tool.version} is needed and was not found. Either put it on PATH (or set ${tool.envVar}), ` +
        `or install Go >= 1.25 (https://go.dev/dl) so auditflow can build it with ` +
        `\`go install ${tool.module}@${tool.version}\`.`,
    );
  }
  const cached = cachedToolPath(name, env);
  mkdirSync(path.dirname(cached), { recursive: true });
  return withBuildLock(name, path.dirname(cached), log, progressMs, async () =>
    // Built by whoever held the lock before us?
    isExecutable(cached) ? cached : build(name, go, env, log, progressMs),
  );
}

/**
 * Several tools at once. The builds overlap: one downloads modules or links (single-threaded) while
 * the other compiles.
 */
export async function ensureTools(
  names: readonly ToolName[],
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
  progressMs?: number,
): Promise<Record<ToolName, string>> {
  const paths = await Promise.all(names.map((name) => ensureTool(name, env, log, progressMs)));
  return Object.fromEntries(names.map((name, i) => [name, paths[i]])) as Record<ToolName, string>;
}

/**
 * Makes a plain `temporal` available in pathDir() (a link to the binary in use) and returns the PATH
 * line to print, or undefined when `temporal` on PATH already is that binary.
 */
export function temporalPathLine(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (onPath('temporal', env) === binary) return undefined;
  const dir = pathDir(env);
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'temporal');
  const tmp = `${link}.${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(binary, tmp);
  renameSync(tmp, link); // atomic: a concurrent `temporal` never sees a missing link
  return `export PATH="${dir}:$PATH"`;
}
