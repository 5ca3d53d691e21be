import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import { mulberry32 } from '../faults';
import { buildNode } from './catalog';
import type { EventStore } from './event-store';
import type { Leaf } from './topology';
import { formatTimestamp } from './time';

/**
 * Keeps a store "live": new events every tick, stamped with the current second of the store clock.
 * Some arrive late (visible only up to `lateMaxSeconds` after their timestamp, as Mondoo's ingestion
 * delay allows), and some are identical twins of the previous event, so incremental exports meet
 * both while they run.
 */
export interface AppenderOptions {
  everyMs: number;
  perTick: number;
  /** Share of events that become visible only later. Default 0.1. */
  lateFraction?: number;
  /** Upper bound of the delay of late events. Default 300 (five minutes). */
  lateMaxSeconds?: number;
  /** Share of events that repeat the previous one exactly. Default 0.02. */
  duplicateFraction?: number;
  seed?: number;
}

/** Picks leaves by their weights (leaves without weight get events only if no leaf has any). */
function leafPicker(leaves: readonly Leaf[], rand: () => number): () => Leaf {
  const weighted = leaves.some((l) => l.weight > 0) ? leaves.filter((l) => l.weight > 0) : leaves;
  const total = weighted.reduce((sum, l) => sum + (l.weight || 1), 0);
  return () => {
    let r = rand() * total;
    for (const leaf of weighted) if ((r -= leaf.weight || 1) < 0) return leaf;
    return weighted[weighted.length - 1]!;
  };
}

/** Starts appending; returns a function that stops it. */
export function startAppender(store: EventStore, options: AppenderOptions): () => void {
  const rand = mulberry32(options.seed ?? 7);
  const pickLeaf = leafPicker(store.topology.leaves, rand);
  const lateFraction = options.lateFraction ?? 0.1;
  const lateMaxSeconds = options.lateMaxSeconds ?? 300;
  const duplicateFraction = options.duplicateFraction ?? 0.02;
  let previous: { node: MondooAuditNode; leaf: Leaf } | undefined;

  const tick = () => {
    const nowMs = store.now();
    const seconds = Math.floor(nowMs / 1000);
    for (let k = 0; k < options.perTick; k++) {
      // Twins only within the same second: identical events in different seconds are not duplicates.
      const twin = previous?.node.timestamp === formatTimestamp(seconds) && rand() < duplicateFraction ? previous : undefined;
      const leaf = twin?.leaf ?? pickLeaf();
      const node = twin?.node ?? buildNode(rand, leaf, seconds);
      const late = rand() < lateFraction;
      const visibleAt = late ? nowMs + Math.ceil(rand() * lateMaxSeconds * 1000) : nowMs;
      store.add([node], { org: leaf.org, space: leaf.space, visibleAt });
      previous = { node, leaf };
    }
  };

  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
