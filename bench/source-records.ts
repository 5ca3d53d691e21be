// Generated records of each source, as the fetch activity hands them to map: `{key, node}` serialized,
// the node from the source's own fake generator (sandbox/), so the shapes are the ones the fakes serve.
import type { MapSource, SourceEvent } from '../contracts/activities';
import { DedupeKeyer } from '../activities/sources/dedupe-keyer';
import type { MondooAuditNode } from '../activities/sources/mondoo/types';
import { sourceConnector } from '../activities/sources/registry';
import { AUDIT_LOG_TYPES } from '../activities/sources/gcp-audit-logs/types';
import { buildAuditLog } from '../sandbox/endorlabs';
import { mulberry32 } from '../sandbox/faults';
import { buildEntries, nanosOf } from '../sandbox/gcp-logging';
import { orgMrn } from '../sandbox/mondoo';
import { GeneratedSequence } from '../sandbox/mondoo/generate';
import { Topology } from '../sandbox/mondoo/topology';

export const MAPPED_SOURCE_TYPES = ['mondoo', 'endorlabs', 'gcp-audit-logs'] as const;
export type MappedSourceType = (typeof MAPPED_SOURCE_TYPES)[number];

const MONDOO_ORG = 'bench-org-1';
const ENDOR_NAMESPACE = 'acme.bench';
const GCP_PROJECT = 'projects/acme-bench-4k2m9x';
const START_MS = Date.parse('2024-01-01T00:00:00Z');

/** What map receives with the records: the source type and its OCSF tenant. */
export function mapSourceFor(type: MappedSourceType): MapSource {
  if (type === 'mondoo') return { type, scopeId: orgMrn(MONDOO_ORG) };
  if (type === 'endorlabs') return { type, scopeId: ENDOR_NAMESPACE };
  return { type, scopeId: GCP_PROJECT };
}

function mondooNodes(count: number, seed: number): MondooAuditNode[] {
  const topology = new Topology([{ id: MONDOO_ORG, spaces: [] }]);
  const sequence = new GeneratedSequence({ count, seed, start: '2024-01-01T00:00:00Z' }, topology.leaves);
  return Array.from({ length: count }, (_, i) => sequence.nodeAt(i));
}

function endorNodes(count: number, seed: number): unknown[] {
  const rand = mulberry32(seed);
  let micros = START_MS * 1000;
  return Array.from({ length: count }, () => {
    micros += Math.floor(rand() * 400_000);
    return buildAuditLog(rand, { namespace: ENDOR_NAMESPACE, createMicros: micros });
  });
}

function gcpNodes(count: number, seed: number): unknown[] {
  const rand = mulberry32(seed);
  let nanos = nanosOf(START_MS);
  const entries: unknown[] = [];
  while (entries.length < count) {
    const type = AUDIT_LOG_TYPES[Math.floor(rand() * AUDIT_LOG_TYPES.length)]!;
    for (const entry of buildEntries(rand, type, { resourceName: GCP_PROJECT, nanos })) if (entries.length < count) entries.push(entry);
    nanos += BigInt(1 + Math.floor(rand() * 400_000_000));
  }
  return entries;
}

/** `count` records of `type`, keyed as the fetch keys them (the connector's content hash plus copy suffix). */
export function sourceEvents(type: MappedSourceType, count: number, seed = 7): SourceEvent[] {
  const nodes = type === 'mondoo' ? mondooNodes(count, seed) : type === 'endorlabs' ? endorNodes(count, seed) : gcpNodes(count, seed);
  const connector = sourceConnector(type);
  const keyer = new DedupeKeyer((node: unknown) => connector.contentHash(node));
  return nodes.map((node) => ({ key: keyer.keyFor(node), node }));
}
