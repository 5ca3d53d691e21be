// The fake's data: audit logs per namespace, sorted by (create_time, insertion), each visible from its
// `visibleAtMs` (late arrival) and gone once older than the retention. Listing is by integer offset
// into the rows that match *now*, like the real API: a row inserted before an offset during a scan
// shifts every later row by one, and a row that ages out shifts them back.
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { ENDOR_LABS_RETENTION_DAYS } from '../../activities/sources/endorlabs/types';
import { mulberry32 } from '../faults';
import { matches, type TimeClause } from './filter';
import { buildAuditLog } from './records';
import { parseMicros, toEpochMs } from './time';

export interface StoredAuditLog {
  micros: number;
  id: number;
  visibleAtMs: number;
  record: EndorAuditLog;
}

export interface GeneratedHistory {
  count: number;
  /** Time of the first record (epoch ms, Date or RFC 3339). Keep it within the retention of the store clock. */
  start: number | Date | string;
  /** Records per second; ties in create_time happen on purpose (about one in twenty). Default 5. */
  perSecond?: number;
  seed?: number;
}

export interface AddOptions {
  /** When the record becomes visible (epoch ms, Date or RFC 3339). Default: now on the store clock. */
  visibleAt?: number | Date | string;
}

export interface AuditLogStoreOptions {
  now?: () => number;
  retentionDays?: number;
}

export class AuditLogStore {
  private clock: () => number;
  private readonly retentionMs: number;
  private readonly rows = new Map<string, StoredAuditLog[]>();
  private nextId = 0;

  constructor(options: AuditLogStoreOptions = {}) {
    this.clock = options.now ?? Date.now;
    this.retentionMs = (options.retentionDays ?? ENDOR_LABS_RETENTION_DAYS) * 86_400_000;
  }

  now(): number {
    return this.clock();
  }

  setNow(now: () => number): void {
    this.clock = now;
  }

  /** Adds records to their own namespace (`tenant_meta.namespace`), keeping the sort order. */
  add(records: readonly EndorAuditLog[], options: AddOptions = {}): StoredAuditLog[] {
    const visibleAtMs = options.visibleAt === undefined ? this.now() : toEpochMs(options.visibleAt);
    return records.map((record) => {
      const micros = parseMicros(record.meta.create_time);
      if (micros === undefined) throw new Error(`not an RFC 3339 time: ${record.meta.create_time}`);
      const list = this.rows.get(record.tenant_meta.namespace) ?? [];
      this.rows.set(record.tenant_meta.namespace, list);
      const row: StoredAuditLog = { micros, id: this.nextId++, visibleAtMs, record: structuredClone(record) };
      // Ids only grow: the new row goes after every row with the same create_time.
      let at = list.length;
      while (at > 0 && list[at - 1]!.micros > micros) at--;
      list.splice(at, 0, row);
      return row;
    });
  }

  /** A reproducible history, visible at once: `count` records from `start`, `perSecond` a second. */
  generate(namespace: string, history: GeneratedHistory): EndorAuditLog[] {
    const rand = mulberry32(history.seed ?? 1);
    const stepMicros = Math.round(1_000_000 / (history.perSecond ?? 5));
    let micros = toEpochMs(history.start) * 1000 + 123_456;
    const records: EndorAuditLog[] = [];
    for (let i = 0; i < history.count; i++) {
      records.push(buildAuditLog(rand, { namespace, createMicros: micros }));
      // Mostly spread out, sometimes the same microsecond (a burst of writes in one transaction).
      if (rand() >= 0.05) micros += Math.max(1, Math.floor(stepMicros * (0.5 + rand())));
    }
    this.add(records, { visibleAt: 0 });
    return records;
  }

  /** The rows of a namespace that a list request sees now: visible, within retention, matching, ascending. */
  matching(namespace: string, clauses: readonly TimeClause[]): StoredAuditLog[] {
    const nowMs = this.now();
    const oldestMicros = (nowMs - this.retentionMs) * 1000;
    return (this.rows.get(namespace) ?? []).filter((row) => row.visibleAtMs <= nowMs && row.micros >= oldestMicros && matches(clauses, row.micros));
  }

  /** Ground truth for tests: every record of the namespace visible now, ascending. */
  all(namespace: string): EndorAuditLog[] {
    return this.matching(namespace, []).map((row) => row.record);
  }

  count(namespace: string): number {
    return this.matching(namespace, []).length;
  }
}
