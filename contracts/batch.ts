// The position model every source shares, and what the workflow needs of a fetched batch to move it.
// Pure arithmetic: the fetch activity computes a summary, the workflow (workflows/progress.ts) applies it.
//
// A position is a watermark W (every event with time <= W is exported; whole seconds, RFC 3339) plus
// the dedupe keys of exported events after W. A source therefore provides, per record, its time and
// a content hash (activities/sources/source.ts); a source with event ids may use the id as the hash.

export const epochSecond = (timestamp: string): number => Math.floor(Date.parse(timestamp) / 1000);

/** What moving the progress needs of a batch, without the events themselves (the fetch computes it). */
export interface BatchSummary {
  count: number;
  /** Epoch second of the batch's last event; null when it is empty. */
  lastSecond: number | null;
  /** Keys of the batch's events after the second it covers, by epoch second: only these can stay in recentKeys. */
  keysAfterCovered: Record<string, string[]>;
  settledThrough: string;
  exhausted: boolean;
  /**
   * Epoch second of the last record the fetch passed over or took, when filters dropped some: a batch
   * vouches for the records it filtered out too, so a pass that filters out everything still moves the
   * watermark. Absent without filters (and in older histories).
   */
  scannedThroughSecond?: number;
}

/** One fetched event as the summary sees it: its dedupe key and its time. */
export interface TimedKey {
  key: string;
  /** RFC 3339. */
  timestamp: string;
}

/**
 * The last second a batch vouches for. The batch holds every new event visible after the watermark up
 * to its last event (the fetch reads in ascending time). Events of the batch's last second may
 * continue in the next batch, and events later than `settledThrough` may still arrive late, so it is
 * the earlier of the two bounds; a pass that reached the end of the log covers up to `settledThrough`.
 */
export function coveredSecond(batch: { lastSecond: number | null; settledThrough: string; exhausted: boolean; scannedThroughSecond?: number }): number {
  const settled = epochSecond(batch.settledThrough);
  if (batch.exhausted) return settled;
  // Records are read in ascending time, so the last one scanned is at or after the last one kept.
  const last = Math.max(batch.lastSecond ?? -Infinity, batch.scannedThroughSecond ?? -Infinity);
  return last === -Infinity ? -Infinity : Math.min(settled, last - 1);
}

export function summarizeKeys(batch: { keys: TimedKey[]; settledThrough: string; exhausted: boolean; scannedThrough?: string }): BatchSummary {
  const last = batch.keys.at(-1);
  const lastSecond = last ? epochSecond(last.timestamp) : null;
  const scanned = batch.scannedThrough === undefined ? {} : { scannedThroughSecond: epochSecond(batch.scannedThrough) };
  const covered = coveredSecond({ ...batch, lastSecond, ...scanned });
  const keysAfterCovered: Record<string, string[]> = {};
  for (const { key, timestamp } of batch.keys) {
    const second = epochSecond(timestamp);
    if (second > covered) (keysAfterCovered[String(second)] ??= []).push(key);
  }
  return { count: batch.keys.length, lastSecond, keysAfterCovered, settledThrough: batch.settledThrough, exhausted: batch.exhausted, ...scanned };
}
