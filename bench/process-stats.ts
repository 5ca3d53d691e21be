// What a process costs, read from /proc: resident memory (sampled, and the kernel's own high-water
// mark) and CPU time. Linux only, like the rest of the local stack.
import { readFileSync } from 'node:fs';
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
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14 and 15)
  } catch {
    return undefined;
  }
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
  wallSeconds: number;
  samples: ProcessSample[];
}

/** Samples VmRSS every `everyMs` until stop(); CPU is the difference between start and stop. */
export function sampleProcess(pid: number, everyMs = 250) {
  const startedAt = Date.now();
  const cpuAtStart = cpuSeconds(pid) ?? 0;
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
