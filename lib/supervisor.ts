// Keeps the local stack's processes running: a process that exits unexpectedly is restarted with
// backoff, and the reason is said; only a crash loop (too many crashes in a short time) gives up.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './child-process';

export interface ServiceSpec {
  name: string;
  /** Starts the process and resolves once it is ready; a failure counts as a crash. */
  start(): Promise<ManagedProcess>;
  /** How long a stop may drain before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface SupervisorOptions {
  say(line: string): void;
  /** Gives up when a service crashes this often within `windowMs`. Default: 5 crashes in 2 minutes. */
  crashLoop?: { crashes: number; windowMs: number };
  /** Delay before the first restart, doubled per crash in the window up to `maxMs`. Default 1 s to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Called once when a service is in a crash loop; the supervisor restarts nothing after it. */
  onCrashLoop(service: string): void;
}

interface Supervised {
  spec: ServiceSpec;
  current?: ManagedProcess;
  crashes: number[];
}

export class Supervisor {
  private readonly services: Supervised[] = [];
  private stopping = false;
  private readonly stopped = new AbortController();

  constructor(private readonly options: SupervisorOptions) {}

  /** Starts a service (a failure here is the caller's: nothing is running yet) and supervises it. */
  async add(spec: ServiceSpec): Promise<ManagedProcess> {
    const service: Supervised = { spec, crashes: [] };
    this.services.push(service);
    this.watch(service, await spec.start());
    return service.current!;
  }

  /** The running process of a service, if any (between a crash and its restart there is none). */
  current(name: string): ManagedProcess | undefined {
    return this.services.find((s) => s.spec.name === name)?.current;
  }

  /** Stops every service, last started first, and restarts none any more. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    for (const service of [...this.services].reverse()) await service.current?.stop(service.spec.stopTimeoutMs ?? 10_000);
  }

  private watch(service: Supervised, proc: ManagedProcess): void {
    service.current = proc;
    void proc.exited.then(() => {
      if (this.stopping || service.current !== proc) return;
      service.current = undefined;
      const { exitCode, signalCode } = proc.child;
      void this.restart(service, signalCode ? `killed by ${signalCode}` : `exit code ${exitCode}`);
    });
  }

  private async restart(service: Supervised, why: string): Promise<void> {
    const { say } = this.options;
    const { crashes: limit, windowMs } = this.options.crashLoop ?? { crashes: 5, windowMs: 120_000 };
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 1_000, maxMs: 30_000 };
    for (;;) {
      const now = Date.now();
      service.crashes = [...service.crashes.filter((at) => now - at < windowMs), now];
      if (service.crashes.length >= limit) {
        say(`${service.spec.name} crashed ${service.crashes.length} times within ${Math.round(windowMs / 1000)} s (last: ${why}); giving up`);
        this.options.onCrashLoop(service.spec.name);
        return;
      }
      const delayMs = Math.min(maxMs, initialMs * 2 ** (service.crashes.length - 1));
      say(
        `${service.spec.name} stopped unexpectedly (${why}); restarting in ${(delayMs / 1000).toFixed(1)} s (crash ${service.crashes.length} of ${limit} allowed within ${Math.round(windowMs / 1000)} s)`,
      );
      try {
        await sleep(delayMs, undefined, { signal: this.stopped.signal });
      } catch {
        return; // stopping
      }
      try {
        const proc = await service.spec.start();
        if (this.stopping) {
          await proc.stop(service.spec.stopTimeoutMs);
          return;
        }
        this.watch(service, proc);
        say(`${service.spec.name} restarted (pid ${proc.child.pid})`);
        return;
      } catch (error) {
        if (this.stopping) return;
        why = `restart failed: ${(error as Error).message}`;
      }
    }
  }
}
