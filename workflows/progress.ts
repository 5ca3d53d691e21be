// The watermark arithmetic, kept pure so it is unit-tested apart from Temporal.
import type { ExportLimits, ExportProgress, SourceConfig } from './definitions';
import type { SourceEvent } from '../activities/sources/mondoo-types';
import type { FetchInput } from '../activities/types';

export const epochSecond = (timestamp: string): number => Math.floor(Date.parse(timestamp) / 1000);
const isoSecond = (second: number): string => new Date(second * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The progress after a batch is durably uploaded.
 *
 * The batch holds every new event visible after the watermark up to its last event (the fetch reads
 * in ascending time). Events of the batch's last second may continue in the next batch, and events
 * later than `settledThrough` may still arrive late, so the watermark moves to the earlier of the two
 * bounds; the keys of exported events past the new watermark are kept to skip them when read again.
 */
export function advanceProgress(
  progress: ExportProgress,
  batch: { events: SourceEvent[]; settledThrough: string; exhausted: boolean },
): ExportProgress {
  const recentKeys: Record<string, string[]> = {};
  for (const [second, keys] of Object.entries(progress.recentKeys)) recentKeys[second] = [...keys];
  for (const event of batch.events) {
    const second = String(epochSecond(event.node.timestamp));
    (recentKeys[second] ??= []).push(event.key);
  }

  const previous = progress.watermark === null ? -Infinity : epochSecond(progress.watermark);
  const settled = epochSecond(batch.settledThrough);
  const last = batch.events.at(-1);
  const covered = batch.exhausted ? settled : last ? Math.min(settled, epochSecond(last.node.timestamp) - 1) : -Infinity;
  const next = Math.max(previous, covered);

  for (const second of Object.keys(recentKeys)) {
    if (Number(second) <= next) delete recentKeys[second];
  }
  return {
    watermark: next === -Infinity ? null : isoSecond(next),
    recentKeys,
    nextSeq: progress.nextSeq + batch.events.length,
    totals: progress.totals,
  };
}

export function countRecentKeys(progress: ExportProgress): number {
  let n = 0;
  for (const keys of Object.values(progress.recentKeys)) n += keys.length;
  return n;
}

/** What the next fetch asks for: new events after the progress, within the batch bounds. */
export function fetchInputFor(source: SourceConfig, limits: ExportLimits, progress: ExportProgress): FetchInput {
  return {
    source,
    watermark: progress.watermark,
    recentKeys: progress.recentKeys,
    maxEvents: limits.maxEventsPerBatch ?? limits.maxEventsPerFile,
    maxBytes: limits.maxFetchBytes,
    lateArrivalSeconds: limits.lateArrivalSeconds,
  };
}
