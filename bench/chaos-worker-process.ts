// The chaos run's worker processes: the environment each one starts with, and the line that says why one
// exited when the run did not kill it.
import { workerEnv } from '../worker/process-args';

/**
 * Settings that make a worker listen on a fixed port. The chaos run keeps up to two workers on this host
 * at once: inherited from the caller's shell, the second worker's bind fails ("Address already in use")
 * and it exits with code 1 at start, again every time the supervisor restarts it, for as long as two are
 * wanted. The run reads neither endpoint, so its workers start without them.
 */
const PER_PROCESS_PORT_SETTINGS = ['AUDITFLOW_METRICS_PORT', 'AUDITFLOW_HEALTH_PORT'] as const;

/** The environment of one chaos worker: the caller's, minus fixed ports, plus the run's own settings. */
export function chaosWorkerEnv(options: Parameters<typeof workerEnv>[0] & { sourceEnv: Record<string, string>; oidcSigningKeys: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...workerEnv(options),
    ...options.sourceEnv,
    AUDITFLOW_LOG_LEVEL: 'info',
    AUDITFLOW_OIDC_SIGNING_KEYS: options.oidcSigningKeys,
  };
  for (const name of PER_PROCESS_PORT_SETTINGS) delete env[name];
  return env;
}

/** Which fixed-port settings the caller's environment has (the run says it leaves them out). */
export function droppedPortSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  return PER_PROCESS_PORT_SETTINGS.filter((name) => env[name] !== undefined && env[name] !== '');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * What a worker's last error line says, for the chaos log beside "exited by itself": the pino line's
 * message and error (the worker's logger has redacted it), or the raw line (a V8 or SDK core message).
 */
export function lastWords(line: string): string {
  const text = line.replace(ANSI, '').trim();
  try {
    const entry = JSON.parse(text) as { msg?: unknown; err?: { message?: unknown } };
    const message = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
    return `${String(entry.msg ?? '')}${message}`.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** Keeps the last line of a worker's output that reads like an error (pino level ≥ 50, or not JSON). */
export class LastErrorLine {
  private last: string | undefined;
  private partial = '';

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (isErrorLine(line)) this.last = line;
  }

  /** The summary of the last error line, the unfinished one included; undefined if there was none. */
  get summary(): string | undefined {
    const line = isErrorLine(this.partial) ? this.partial : this.last;
    return line === undefined ? undefined : lastWords(line);
  }
}

function isErrorLine(line: string): boolean {
  const text = line.trim();
  if (text === '') return false;
  // Not JSON: an uncaught error's or V8's message counts; its stack frames, the Node.js version line
  // after it, and the SDK core's own INFO/WARN lines do not.
  if (!text.startsWith('{')) return !/^at |^Node\.js v|\b(TRACE|DEBUG|INFO|WARN)\b/.test(text.replace(ANSI, ''));
  try {
    return Number((JSON.parse(text) as { level?: unknown }).level) >= 50;
  } catch {
    return true;
  }
}
