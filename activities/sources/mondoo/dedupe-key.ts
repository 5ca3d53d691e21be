import { createHash } from 'node:crypto';
import type { MondooAuditNode } from './types';

/**
 * Mondoo events have no id, so an event is known by a hash of all its fields (identical events in one
 * second are told apart by the copy suffix of activities/sources/dedupe-keyer.ts).
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
