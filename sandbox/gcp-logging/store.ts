// The fake's data: log entries of any number of projects, folders, organizations and billing
// accounts, in (timestamp, insertId) order, each visible from its `visibleAtMs` (late arrival). The
// same entry may be stored twice (Cloud Logging returns duplicates); both copies are listed.
import { timestampKey } from '../../activities/sources/gcp-audit-logs/query';
import type { AuditLogType, GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { mulberry32 } from '../faults';
import { buildEntries, nanosOf } from './entries';

export interface StoredEntry {
  /** timestampKey(entry.timestamp): sorts like the instant, to the nanosecond. */
  time: string;
  insertId: string;
  /** Insertion order: breaks the tie between duplicates. */
  id: number;
  /** The resource (`projects/p`, `folders/1`, …) whose log holds the entry. */
  resourceName: string;
  visibleAtMs: number;
  entry: GcpLogEntry;
}

/** A position in the order: entries strictly after it come next. */
export interface Position {
  time: string;
  insertId: string;
  id: number;
}

export const isAfter = (row: Position, position: Position): boolean =>
  row.time !== position.time ? row.time > position.time : row.insertId !== position.insertId ? row.insertId > position.insertId : row.id > position.id;

export interface GeneratedLog {
  /** Audited calls to write (a long-running operation writes two entries, so there may be more entries). */
  calls: number;
  /** Time of the first entry (epoch ms, Date or RFC 3339). */
  start: number | Date | string;
  /** Calls per second. Default 5. */
  perSecond?: number;
  /** Which logs, picked at random per call. Default all four. */
  logTypes?: readonly AuditLogType[];
  seed?: number;
}

export interface AddOptions {
  /** When the entries become visible (epoch ms, Date or RFC 3339). Default: now on the store clock. */
  visibleAt?: number | Date | string;
}

export class LogEntryStore {
  private clock: () => number;
  private rows: StoredEntry[] = [];
  private nextId = 0;

  constructor(options: { now?: () => number } = {}) {
    this.clock = options.now ?? Date.now;
  }

  now(): number {
    return this.clock();
  }

  setNow(now: () => number): void {
    this.clock = now;
  }

  /** Adds entries to the log their logName names, keeping the order. */
  add(entries: readonly GcpLogEntry[], options: AddOptions = {}): StoredEntry[] {
    const visibleAt = options.visibleAt;
    const visibleAtMs =
      visibleAt === undefined
        ? this.now()
        : typeof visibleAt === 'number'
          ? visibleAt
          : visibleAt instanceof Date
            ? visibleAt.getTime()
            : Date.parse(visibleAt);
    const added = entries.map((entry) => {
      const time = timestampKey(entry.timestamp);
      if (time === undefined) throw new Error(`not an RFC 3339 time: ${entry.timestamp}`);
      const at = entry.logName.indexOf('/logs/');
      if (at < 0) throw new Error(`not a log name: ${entry.logName}`);
      return { time, insertId: entry.insertId, id: this.nextId++, resourceName: entry.logName.slice(0, at), visibleAtMs, entry: structuredClone(entry) };
    });
    // Not push(...added): a full-size chaos log (200,000 entries) overflows the call stack as arguments.
    for (const row of added) this.rows.push(row);
    this.rows.sort((a, b) => (isAfter(a, b) ? 1 : -1));
    return added;
  }

  /** A reproducible log, visible at once: `calls` audited calls from `start`, `perSecond` a second. */
  generate(resourceName: string, log: GeneratedLog): GcpLogEntry[] {
    const rand = mulberry32(log.seed ?? 1);
    const types = log.logTypes ?? (['activity', 'data_access', 'system_event', 'policy'] as const);
    const stepNanos = 1_000_000_000 / (log.perSecond ?? 5);
    let nanos = nanosOf(log.start) + 123_456_789n;
    const entries: GcpLogEntry[] = [];
    for (let i = 0; i < log.calls; i++) {
      entries.push(...buildEntries(rand, types[Math.floor(rand() * types.length)]!, { resourceName, nanos }));
      // Mostly spread out, sometimes the very same nanosecond (ties are ordered by insertId).
      if (rand() >= 0.05) nanos += BigInt(Math.max(1, Math.floor(stepNanos * (0.5 + rand()))));
    }
    this.add(entries, { visibleAt: 0 });
    return entries;
  }

  /** The rows of these resources a request sees now, in order. */
  visible(resourceNames: readonly string[]): StoredEntry[] {
    return [...this.visibleSince(resourceNames)];
  }

  /**
   * The same rows, read lazily from the first one after `after` (and from `time` on): a page costs the
   * rows it walks, not the whole log. A filter over every row per request spent 250 ms of the bench's
   * CPU on each page of a 4 × 65,000-entry backfill, so the fake, not the quota, set the pace.
   */
  *visibleSince(resourceNames: readonly string[], from: { after?: Position; time?: string } = {}): Generator<StoredEntry> {
    const now = this.now();
    const names = new Set(resourceNames);
    const { after, time } = from;
    const afterAt = after ? this.firstIndex((row) => isAfter(row, after)) : 0;
    const timeAt = time === undefined ? 0 : this.firstIndex((row) => row.time >= time);
    for (let i = Math.max(afterAt, timeAt); i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (names.has(row.resourceName) && row.visibleAtMs <= now) yield row;
    }
  }

  /** The first index whose row passes `test`, a test that holds from some row on (the rows are in order). */
  private firstIndex(test: (row: StoredEntry) => boolean): number {
    let [low, high] = [0, this.rows.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (test(this.rows[middle]!)) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** Ground truth for tests: every entry of these resources visible now, in order, duplicates once. */
  all(resourceNames: readonly string[]): GcpLogEntry[] {
    const seen = new Set<string>();
    return this.visible(resourceNames)
      .filter((row) => {
        const key = `${row.entry.logName}\n${row.time}\n${row.insertId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((row) => row.entry);
  }
}
