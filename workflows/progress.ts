// The watermark arithmetic, kept pure so it is unit-tested apart from Temporal.
import type { ExportLimits, ExportProgress, SourceConfig } from './definitions';
import type { SourceEvent } from '../activities/sources/mondoo/types';
import type { FetchInput } from '../activities/types';

export const epochSecond = (timestamp: string): number => Math.floor(Date.parse(timestamp) / 1000);
const isoSecond = (second: number): string => new Date(second * 1000).toISOString().replace('.000Z', 'Z');

/** What moving the progress needs of a batch, without the events themselves (the fetch computes it). */
export interface BatchSummary {
  count: number;
  /** Epoch second of the batch's last event; null when it is empty. */
  lastSecond: number | null;
  /** Keys of the batch's events after the second it covers, by epoch second: only these can stay in recentKeys. */
  keysAfterCovered: Record<string, string[]>;
  settledThrough: string;
  exhausted: boolean;
}

/** A batch as fetches before BatchSummary returned it (still in the history of older executions). */
export interface BatchWithEvents {
  events: SourceEvent[];
  settledThrough: string;
  exhausted: boolean;
}

/**
 * The last second a batch vouches for. The batch holds every new event visible after the watermark up
 * to its last event (the fetch reads in ascending time). Events of the batch's last second may
 * continue in the next batch, and events later than `settledThrough` may still arrive late, so it is
 * the earlier of the two bounds; a pass that reached the end of the log covers up to `settledThrough`.
 */
export function coveredSecond(batch: { lastSecond: number | null; settledThrough: string; exhausted: boolean }): number {
  const settled = epochSecond(batch.settledThrough);
  if (batch.exhausted) return settled;
  return batch.lastSecond === null ? -Infinity : Math.min(settled, batch.lastSecond - 1);
}

export function summarizeBatch(batch: BatchWithEvents): BatchSummary {
  const last = batch.events.at(-1);
  const lastSecond = last ? epochSecond(last.node.timestamp) : null;
  const covered = coveredSecond({ ...batch, lastSecond });
  const keysAfterCovered: Record<string, string[]> = {};
  for (const event of batch.events) {
    const second = epochSecond(event.node.timestamp);
    if (second > covered) (keysAfterCovered[String(second)] ??= []).push(event.key);
  }
  return { count: batch.events.length, lastSecond, keysAfterCovered, settledThrough: batch.settledThrough, exhausted: batch.exhausted };
}

export const batchSummary = (batch: BatchSummary | BatchWithEvents): BatchSummary => ('events' in batch ? summarizeBatch(batch) : batch);

/**
 * The progress after a batch is durably uploaded: the watermark moves to the second the batch covers
 * (never back), and the keys of exported events past the new watermark are kept to skip them when
 * read again.
 */
export function advanceProgress(progress: ExportProgress, batch: BatchSummary | BatchWithEvents): ExportProgress {
  const summary = batchSummary(batch);
  const recentKeys: Record<string, string[]> = {};
  for (const [second, keys] of Object.entries(progress.recentKeys)) recentKeys[second] = [...keys];
  for (const [second, keys] of Object.entries(summary.keysAfterCovered)) (recentKeys[second] ??= []).push(...keys);

  const previous = progress.watermark === null ? -Infinity : epochSecond(progress.watermark);
  const next = Math.max(previous, coveredSecond(summary));
  for (const second of Object.keys(recentKeys)) {
    if (Number(second) <= next) delete recentKeys[second];
  }
  return {
    watermark: next === -Infinity ? null : isoSecond(next),
    recentKeys,
    nextSeq: progress.nextSeq + summary.count,
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
    resultFormat: 'compressed',
  };
}
