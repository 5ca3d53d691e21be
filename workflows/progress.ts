// The watermark arithmetic, kept pure so it is unit-tested apart from Temporal.
import type { FetchInput, FetchResultWithEvents, MapTo } from '../contracts/activities';
import { coveredSecond, epochSecond, summarizeKeys, type BatchSummary } from '../contracts/batch';
import type { ExportLimits, ExportProgress, IntegrationConfig } from './definitions';

const isoSecond = (second: number): string => new Date(second * 1000).toISOString().replace('.000Z', 'Z');

/** A batch as fetches before BatchSummary returned it (still in the history of older executions). */
export interface BatchWithEvents {
  events: FetchResultWithEvents['events'];
  settledThrough: string;
  exhausted: boolean;
}

export function summarizeBatch(batch: BatchWithEvents): BatchSummary {
  const keys = batch.events.map((event) => ({ key: event.key, timestamp: event.node.timestamp }));
  return summarizeKeys({ keys, settledThrough: batch.settledThrough, exhausted: batch.exhausted });
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
export function fetchInputFor(
  source: IntegrationConfig['source'],
  limits: ExportLimits,
  progress: ExportProgress,
  filters?: IntegrationConfig['filters'],
  range?: IntegrationConfig['range'],
): FetchInput {
  return {
    ...(filters ? { filters } : {}),
    ...(range ? { range } : {}),
    source,
    watermark: progress.watermark,
    recentKeys: progress.recentKeys,
    maxEvents: limits.maxEventsPerBatch ?? limits.maxEventsPerFile,
    maxBytes: limits.maxFetchBytes,
    lateArrivalSeconds: limits.lateArrivalSeconds,
    resultFormat: 'compressed',
  };
}

/** What a fetch that maps (FetchInput.mapTo) needs: the integration's file bounds and its OCSF tenant. */
export function mapToFor(limits: ExportLimits, scopeId: string): MapTo {
  return { scopeId, maxEventsPerFile: limits.maxEventsPerFile, maxBytesPerFile: limits.maxBytesPerFile };
}
