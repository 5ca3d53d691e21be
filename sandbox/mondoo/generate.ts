import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import { mulberry32 } from '../faults';
import { buildNode, mix32 } from './catalog';
import type { Leaf } from './topology';
import { toEpochMs } from './time';

/**
 * A huge, deterministic audit history that costs O(1) memory: event i is a pure function of (seed, i).
 * Timestamps are non-decreasing in i, so the internal id i is also the sort key order, and every
 * positional question (first event after a second, events of a scope in a range) is a binary search
 * or arithmetic, never a scan of the history.
 */
export interface GeneratedOptions {
  count: number;
  seed?: number;
  /** Second of event 0 (Date, RFC 3339 string, or epoch ms). Default 2024-01-01T00:00:00Z. */
  start?: number | Date | string;
  /** Events per second; fractional means sparser (0.5 = one event every two seconds). Default 10. */
  perSecond?: number;
  /** Chance that an event repeats the previous one when both share scope and second. Default 0.1. */
  duplicateRate?: number;
}

/**
 * Which leaf owns event i repeats with this period: a shuffled table of leaves in proportion to their
 * weights. Periodicity is what makes "how many events of org X in [a, b)" O(1). A prime keeps the
 * period from lining up with events-per-second.
 */
const PERIOD = 997;
const SALT_DUPLICATE = 0x5eed;

/** The offsets (within a period) of the events that belong to one scope, plus prefix counts. */
export interface ScopeSlots {
  offsets: number[];
  /** prefix[o] = number of offsets < o, for o in 0..PERIOD. */
  prefix: Uint32Array;
}

export class GeneratedSequence {
  readonly count: number;
  readonly seed: number;
  readonly startSeconds: number;
  readonly perSecond: number;
  private readonly duplicateRate: number;
  private readonly slotLeaf: Uint16Array;

  constructor(
    options: GeneratedOptions,
    private readonly leaves: readonly Leaf[],
  ) {
    this.count = options.count;
    this.seed = options.seed ?? 1;
    this.startSeconds = Math.floor(toEpochMs(options.start ?? '2024-01-01T00:00:00Z') / 1000);
    this.perSecond = options.perSecond ?? 10;
    this.duplicateRate = options.duplicateRate ?? 0.1;
    if (!(this.perSecond > 0)) throw new Error('perSecond must be > 0');
    this.slotLeaf = buildSlotTable(leaves, this.seed, this.count);
  }

  timestampOf(i: number): number {
    return this.startSeconds + Math.floor(i / this.perSecond);
  }

  /** First i whose timestamp is >= seconds (count if none). */
  lowerBound(seconds: number): number {
    return this.search((i) => this.timestampOf(i) >= seconds);
  }

  /** First i whose timestamp is > seconds (count if none). */
  upperBound(seconds: number): number {
    return this.search((i) => this.timestampOf(i) > seconds);
  }

  leafOf(i: number): number {
    return this.slotLeaf[i % PERIOD]!;
  }

  /** Which period offsets belong to leaves matching `matches` (callers cache this per scope). */
  slotsFor(matches: (leaf: number) => boolean): ScopeSlots {
    const offsets: number[] = [];
    const prefix = new Uint32Array(PERIOD + 1);
    for (let o = 0; o < PERIOD; o++) {
      prefix[o] = offsets.length;
      if (this.count > 0 && matches(this.slotLeaf[o]!)) offsets.push(o);
    }
    prefix[PERIOD] = offsets.length;
    return { offsets, prefix };
  }

  /** Smallest j >= i in the scope, or count. */
  nextInScope(i: number, slots: ScopeSlots): number {
    const { offsets } = slots;
    if (offsets.length === 0 || i >= this.count) return this.count;
    const base = i - (i % PERIOD);
    const k = firstIndex(offsets.length, (n) => offsets[n]! >= i % PERIOD);
    const j = k < offsets.length ? base + offsets[k]! : base + PERIOD + offsets[0]!;
    return Math.min(j, this.count);
  }

  /** Largest j <= i in the scope, or -1. */
  prevInScope(i: number, slots: ScopeSlots): number {
    const { offsets } = slots;
    if (offsets.length === 0 || i < 0) return -1;
    const base = i - (i % PERIOD);
    const k = firstIndex(offsets.length, (n) => offsets[n]! > i % PERIOD) - 1;
    return k >= 0 ? base + offsets[k]! : base - PERIOD + offsets[offsets.length - 1]!;
  }

  /** Events of the scope with index in [lo, hi). */
  countInScope(lo: number, hi: number, slots: ScopeSlots): number {
    if (hi <= lo) return 0;
    const before = (x: number) => Math.floor(x / PERIOD) * slots.offsets.length + slots.prefix[x % PERIOD]!;
    return before(hi) - before(lo);
  }

  /** Event i. Identical duplicates share the node of the first of their run. */
  nodeAt(i: number): MondooAuditNode {
    let base = i;
    // Runs are short (duplicateRate ** n); the cap keeps the worst case bounded and still deterministic.
    for (let steps = 0; steps < 16 && this.repeatsPrevious(base); steps++) base--;
    return buildNode(mulberry32(mix32(this.seed, base)), this.leaves[this.leafOf(base)]!, this.timestampOf(base));
  }

  private repeatsPrevious(i: number): boolean {
    return (
      i > 0 &&
      this.leafOf(i) === this.leafOf(i - 1) &&
      this.timestampOf(i) === this.timestampOf(i - 1) &&
      mix32(this.seed, i, SALT_DUPLICATE) / 4294967296 < this.duplicateRate
    );
  }

  private search(predicate: (i: number) => boolean): number {
    return firstIndex(this.count, predicate);
  }
}

/** Smallest n in [0, length) with predicate true, for a predicate that is false…false true…true; else length. */
export function firstIndex(length: number, predicate: (n: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (predicate(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function buildSlotTable(leaves: readonly Leaf[], seed: number, count: number): Uint16Array {
  const table = new Uint16Array(PERIOD);
  const weighted = leaves.filter((l) => l.weight > 0);
  if (weighted.length === 0) {
    if (count > 0) throw new Error('generated events need at least one org or space with weight > 0');
    return table;
  }
  const total = weighted.reduce((sum, l) => sum + l.weight, 0);
  let filled = 0;
  for (const leaf of weighted) {
    const share = Math.max(1, Math.round((PERIOD * leaf.weight) / total));
    for (let k = 0; k < share && filled < PERIOD; k++) table[filled++] = leaf.index;
  }
  // Rounding can leave a few slots; give them to the heaviest leaf.
  const heaviest = weighted.reduce((a, b) => (b.weight > a.weight ? b : a));
  while (filled < PERIOD) table[filled++] = heaviest.index;
  const rand = mulberry32(seed ^ 0x51a7);
  for (let k = PERIOD - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [table[k], table[j]] = [table[j]!, table[k]!];
  }
  return table;
}
