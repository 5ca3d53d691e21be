// What a process costs, read from /proc: resident memory (sampled, and the kernel's own high-water
// mark) and CPU time. Linux only, like the rest of the local stack.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const MB = 1024 * 1024;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? (Number(match[1]) * 1024) / MB : undefined;
  } catch {
    return undefined; // the process has exited
  }
}

export const rssMb = (pid: number) => statusField(pid, 'VmRSS');
export const hwmMb = (pid: number) => statusField(pid, 'VmHWM');

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    return cpuFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds so far per thread name (/proc/<pid>/task/<tid>/comm; the kernel keeps 15 characters), summed
 * over the threads of one name: a Node process's JavaScript (MainThread), V8's helpers (V8Worker: parallel
 * and concurrent garbage collection, background compilation), a worker_threads thread (WorkerThread: the
 * Temporal worker's workflow thread), libuv's pool (libuv-worker), and the Temporal core's Rust runtime
 * (tokio-runtime-w). A thread that ended before the read is not counted.
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const seconds = cpuFromStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      byName[name] = (byName[name] ?? 0) + seconds;
    } catch {
      /* the thread ended between the listing and the read */
    }
  }
  return byName;
}

/** User + system CPU seconds from a /proc stat line. */
function cpuFromStat(stat: string): number {
  // The command name may contain spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14 and 15)
}

/** Per-thread-name CPU seconds between two readings, rounded to 0.1 s; names with none left out. */
export function threadCpuSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(after)) {
    const delta = Math.round((seconds - (before[name] ?? 0)) * 10) / 10;
    if (delta > 0) spent[name] = delta;
  }
  return spent;
}

export interface ProcessSample {
  atMs: number;
  rssMb: number;
}

export interface ProcessUsage {
  /** Largest sampled VmRSS. */
  peakRssMb: number;
  /** VmHWM when sampling stopped: the kernel's peak, including spikes between samples. */
  hwmMb: number;
  lastRssMb: number;
  cpuSeconds: number;
  /** cpuSeconds by thread name (threadCpuSeconds), for the threads alive when sampling stopped. */
  cpuByThread: Record<string, number>;
  wallSeconds: number;
  samples: ProcessSample[];
}

/** Samples VmRSS every `everyMs` until stop(); CPU is the difference between start and stop. */
export function sampleProcess(pid: number, everyMs = 250) {
  const startedAt = Date.now();
  const cpuAtStart = cpuSeconds(pid) ?? 0;
  const threadsAtStart = threadCpuSeconds(pid);
  const samples: ProcessSample[] = [];
  const take = () => {
    const rss = rssMb(pid);
    if (rss !== undefined) samples.push({ atMs: Date.now() - startedAt, rssMb: rss });
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    /** CPU seconds and RSS since start, without stopping. */
    snapshot(): { cpuSeconds: number; rssMb: number } {
      return { cpuSeconds: (cpuSeconds(pid) ?? cpuAtStart) - cpuAtStart, rssMb: rssMb(pid) ?? 0 };
    },
    stop(): ProcessUsage {
      take();
      clearInterval(timer);
      const peak = samples.reduce((max, s) => Math.max(max, s.rssMb), 0);
      return {
        peakRssMb: peak,
        hwmMb: hwmMb(pid) ?? peak,
        lastRssMb: samples.at(-1)?.rssMb ?? 0,
        cpuSeconds: (cpuSeconds(pid) ?? cpuAtStart) - cpuAtStart,
        cpuByThread: threadCpuSince(threadsAtStart, threadCpuSeconds(pid)),
        wallSeconds: (Date.now() - startedAt) / 1000,
        samples,
      };
    },
  };
}

export interface MachineInfo {
  cores: number;
  ramGb: number;
  cpuModel: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux: os.cpus() it is */
  }
  return { cores: os.availableParallelism(), ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10, cpuModel, node: process.version };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
