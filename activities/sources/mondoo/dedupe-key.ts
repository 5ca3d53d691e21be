import { createHash } from 'node:crypto';
import type { MondooAuditNode } from './types';

/**
 * Mondoo events have no id, so an event is known by a hash of all its fields. Two identical events
 * in one second are both real: the n-th copy within an ascending pass gets the suffix `.n`, which is
 * stable because every pass starts at a second boundary and so always sees all copies of a second.
 */
export function nodeHash(node: MondooAuditNode): string {
  const canonical = JSON.stringify([
    node.timestamp,
    node.action,
    node.identity?.mrn ?? null,
    node.identity?.name ?? null,
    node.resource,
    node.msg,
    node.ip,
    node.parent,
  ]);
  // 80 bits: a collision among the few thousand keys of one overlap window is practically impossible.
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** Assigns stable dedupe keys to the nodes of one ascending pass, in order. */
export class DedupeKeyer {
  private readonly copies = new Map<string, number>();

  keyFor(node: MondooAuditNode): string {
    const hash = nodeHash(node);
    const copy = this.copies.get(hash) ?? 0;
    this.copies.set(hash, copy + 1);
    return copy === 0 ? hash : `${hash}.${copy}`;
  }
}
