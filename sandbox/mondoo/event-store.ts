import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import type { SortKey } from './cursor';
import { type GeneratedOptions, GeneratedSequence, type ScopeSlots, firstIndex } from './generate';
import { formatTimestamp, parseTimestampSeconds, toEpochMs } from './time';
import { type OrgSpec, type ResolvedScope, Topology } from './topology';

/**
 * The fake's data: an optional generated history (O(1) memory, see generate.ts) plus explicitly added
 * events kept sorted by (timestamp, internal id). Both are read through the same keyset query, merged
 * on the sort key. Events are invisible until their `visibleAt` (ingestion delay) on the store clock.
 */
export interface StoredEvent {
  ts: number;
  /** Internal insertion id: generated events are 0..count-1, added events count.. upwards. */
  id: number;
  leaf: number;
  visibleAtMs: number;
  node: MondooAuditNode;
}

export interface AddOptions {
  /** When the event becomes visible (epoch ms, Date or RFC 3339). Default: now, on the store clock. */
  visibleAt?: number | Date | string;
  org?: string;
  space?: string;
}

export interface TimeFilter {
  operator: 'GT' | 'LT';
  /** Epoch seconds; comparison is strict. */
  seconds: number;
}

export interface PageQuery {
  scope: ResolvedScope;
  direction: 'ASC' | 'DESC';
  filter?: TimeFilter;
  /** Continue strictly after this sort key (in `direction`). */
  after?: SortKey;
  limit: number;
}

export interface Page {
  events: StoredEvent[];
  hasNextPage: boolean;
  /** Events of the scope matching the filter and visible now; lazy because it may cost a scan. */
  totalCount(): number;
}

export interface EventStoreOptions {
  orgs?: OrgSpec[];
  generated?: GeneratedOptions;
  /** Server clock in epoch ms; tests inject one to control visibility and cursor expiry. */
  now?: () => number;
}

const compareKeys = (a: SortKey, b: SortKey) => a.ts - b.ts || a.id - b.id;

export class EventStore {
  readonly topology: Topology;
  readonly generated: GeneratedSequence | undefined;
  private clock: () => number;
  private readonly added: StoredEvent[] = [];
  private nextId: number;
  private readonly slotCache = new Map<string, ScopeSlots>();

  constructor(options: EventStoreOptions = {}) {
    this.topology = new Topology(options.orgs);
    this.generated = options.generated ? new GeneratedSequence(options.generated, this.topology.leaves) : undefined;
    this.nextId = this.generated?.count ?? 0;
    this.clock = options.now ?? Date.now;
  }

  now(): number {
    return this.clock();
  }

  setNow(now: () => number): void {
    this.clock = now;
  }

  /** Number of explicitly added events (visible or not). */
  get addedCount(): number {
    return this.added.length;
  }

  /**
   * Adds events. Scope: `space`/`org` if given, else the org or space named by `node.parent`, else the
   * first organization. Timestamps are normalized to whole seconds, as the real API stores them.
   */
  add(nodes: readonly MondooAuditNode[], options: AddOptions = {}): StoredEvent[] {
    const visibleAtMs = options.visibleAt === undefined ? this.now() : toEpochMs(options.visibleAt);
    return nodes.map((input) => {
      const ts = parseTimestampSeconds(input.timestamp);
      if (ts === undefined) throw new Error(`not an RFC 3339 timestamp: ${input.timestamp}`);
      const leaf =
        options.org !== undefined || options.space !== undefined
          ? this.topology.leafFor(options.org, options.space)
          : (this.topology.leafOfParent(input.parent) ?? this.topology.leafFor(undefined, undefined));
      const event: StoredEvent = { ts, id: this.nextId++, leaf, visibleAtMs, node: { ...input, timestamp: formatTimestamp(ts) } };
      // Ids only grow, so the new event goes after every event of the same second.
      const at =
        this.added.length > 0 && this.added[this.added.length - 1]!.ts <= ts ? this.added.length : firstIndex(this.added.length, (n) => this.added[n]!.ts > ts);
      this.added.splice(at, 0, event);
      return event;
    });
  }

  /** One page of a keyset query; `limit` events plus whether more follow. */
  page(query: PageQuery): Page {
    const events: StoredEvent[] = [];
    let hasNextPage = false;
    for (const event of this.stream(query)) {
      if (events.length === query.limit) {
        hasNextPage = true;
        break;
      }
      events.push(event);
    }
    return { events, hasNextPage, totalCount: () => this.countMatching(query) };
  }

  /** Ground truth for tests: every event of the scope visible now, ascending. */
  all(scopeMrn: string, filter?: TimeFilter): MondooAuditNode[] {
    const query: PageQuery = { scope: this.topology.resolve(scopeMrn), direction: 'ASC', filter, limit: Number.MAX_SAFE_INTEGER };
    return this.page(query).events.map((e) => e.node);
  }

  count(scopeMrn: string, filter?: TimeFilter): number {
    return this.countMatching({ scope: this.topology.resolve(scopeMrn), direction: 'ASC', filter, limit: 0 });
  }

  private *stream(query: PageQuery): Generator<StoredEvent> {
    const sign = query.direction === 'ASC' ? 1 : -1;
    const generated = this.generatedStream(query);
    const added = this.addedStream(query);
    let g = generated.next();
    let a = added.next();
    while (!g.done || !a.done) {
      if (a.done || (!g.done && sign * compareKeys(g.value, a.value) < 0)) {
        yield g.value as StoredEvent;
        g = generated.next();
      } else {
        yield a.value;
        a = added.next();
      }
    }
  }

  /** The generated indexes that are visible now and pass the filter: [lo, hi). */
  private generatedRange(filter: TimeFilter | undefined): [number, number] {
    const seq = this.generated!;
    let lo = 0;
    let hi = seq.upperBound(Math.floor(this.now() / 1000));
    if (filter?.operator === 'GT') lo = seq.upperBound(filter.seconds);
    if (filter?.operator === 'LT') hi = Math.min(hi, seq.lowerBound(filter.seconds));
    return [lo, hi];
  }

  private slots(scope: ResolvedScope): ScopeSlots {
    let slots = this.slotCache.get(scope.mrn);
    if (!slots) this.slotCache.set(scope.mrn, (slots = this.generated!.slotsFor(scope.matches)));
    return slots;
  }

  private *generatedStream(query: PageQuery): Generator<StoredEvent> {
    const seq = this.generated;
    if (!seq) return;
    const [lo, hi] = this.generatedRange(query.filter);
    const slots = this.slots(query.scope);
    // Because timestamps never decrease with i, (ts(i), i) order is plain index order: the keyset
    // position of a sort key is found by binary search on its second, then clamped by its id.
    const firstAtOrAfter = (key: SortKey, inclusive: boolean) =>
      Math.min(Math.max(seq.lowerBound(key.ts), inclusive ? key.id : key.id + 1), seq.upperBound(key.ts));
    const emit = (i: number): StoredEvent => {
      const ts = seq.timestampOf(i);
      return { ts, id: i, leaf: seq.leafOf(i), visibleAtMs: ts * 1000, node: seq.nodeAt(i) };
    };
    if (query.direction === 'ASC') {
      const start = query.after ? Math.max(lo, firstAtOrAfter(query.after, false)) : lo;
      for (let i = seq.nextInScope(start, slots); i < hi; i = seq.nextInScope(i + 1, slots)) yield emit(i);
    } else {
      const end = query.after ? Math.min(hi, firstAtOrAfter(query.after, true)) : hi;
      for (let i = seq.prevInScope(end - 1, slots); i >= lo; i = seq.prevInScope(i - 1, slots)) yield emit(i);
    }
  }

  private matchesAdded(event: StoredEvent, query: PageQuery, nowMs: number): boolean {
    if (event.visibleAtMs > nowMs || !query.scope.matches(event.leaf)) return false;
    if (query.filter?.operator === 'GT') return event.ts > query.filter.seconds;
    if (query.filter?.operator === 'LT') return event.ts < query.filter.seconds;
    return true;
  }

  private *addedStream(query: PageQuery): Generator<StoredEvent> {
    const nowMs = this.now();
    const list = this.added;
    const after = query.after;
    if (query.direction === 'ASC') {
      const start = after ? firstIndex(list.length, (n) => compareKeys(list[n]!, after) > 0) : 0;
      for (let n = start; n < list.length; n++) if (this.matchesAdded(list[n]!, query, nowMs)) yield list[n]!;
    } else {
      const end = after ? firstIndex(list.length, (n) => compareKeys(list[n]!, after) >= 0) : list.length;
      for (let n = end - 1; n >= 0; n--) if (this.matchesAdded(list[n]!, query, nowMs)) yield list[n]!;
    }
  }

  private countMatching(query: PageQuery): number {
    let total = 0;
    if (this.generated) {
      const [lo, hi] = this.generatedRange(query.filter);
      total += this.generated.countInScope(lo, hi, this.slots(query.scope));
    }
    const nowMs = this.now();
    for (const event of this.added) if (this.matchesAdded(event, query, nowMs)) total++;
    return total;
  }
}
