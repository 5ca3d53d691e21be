// Paces entries.list requests per project. Cloud Logging allows 60 read requests a minute per project,
// shared by every reader of it (consoles, SIEMs, other exporters): a backfill that reads as fast as it
// can turns into a storm of 429s that also starves them. So each request first reserves a slot on every
// resource it names, spaced 60 s / requestsPerMinute apart; a 429 pushes the next slot further out.
import { ExportError } from '../../errors';
import { settingsFrom } from '../../../lib/settings';

/** Longest sleep without a tick: well inside the fetch activity's 30-second heartbeat timeout. */
const TICK_MS = 10_000;

export class RequestPacer {
  /** Epoch ms at which the next request on a resource may go. */
  private readonly nextAt = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly tickMs: number = TICK_MS,
  ) {}

  /**
   * Waits for a slot on every resource (reserving it at once, so concurrent readers queue up instead
   * of racing). A wait that would end past `deadline` reserves nothing and throws a retryable error.
   */
  async acquire(resources: readonly string[], intervalMs: number, deadline: number, signal?: AbortSignal, tick?: () => void): Promise<void> {
    const now = this.now();
    const at = Math.max(now, ...resources.map((r) => this.nextAt.get(r) ?? 0));
    if (at > now && at >= deadline) {
      throw new ExportError(
        'SourceRateLimited',
        `Pacing Cloud Logging reads (${resources.length === 1 ? resources[0] : `${resources.length} resources`}) would wait past this fetch's time`,
        {
          retryable: true,
          retryAfterMs: at - now,
        },
      );
    }
    for (const r of resources) this.nextAt.set(r, at + intervalMs);
    // A long hold-off (after 429s) is slept in steps, telling `tick` (the fetch's heartbeat) each time.
    for (let left = at - now; left > 0; left = at - this.now()) {
      await sleep(Math.min(left, this.tickMs), signal);
      if (at - this.now() > 0) tick?.();
    }
  }

  /** After a 429: no request on these resources before `now + ms`. */
  holdOff(resources: readonly string[], ms: number): void {
    const until = this.now() + ms;
    for (const r of resources) this.nextAt.set(r, Math.max(this.nextAt.get(r) ?? 0, until));
  }
}

/** One pacer per worker: every integration reading a project shares its quota. */
export const sharedPacer = new RequestPacer();

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Worker setting: entries.list requests per minute per project (Cloud Logging allows 60, shared). */
export const REQUESTS_PER_MINUTE_VAR = 'AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE';

export function requestsPerMinuteFrom(env: NodeJS.ProcessEnv = process.env): number {
  return settingsFrom(env).AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE;
}
