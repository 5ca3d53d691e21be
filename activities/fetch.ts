import { Context } from '@temporalio/activity';
import type { FetchInput, FetchResult, FetchResultMapped, FetchResultWithEvents, MapInput, MapResult, MapTo, SourceEvent } from '../contracts/activities';
import { summarizeKeys } from '../contracts/batch';
import { compressEvents } from './compression';
import { ExportError } from './errors';
import { mapToOcsfFiles } from './map';
import { DedupeKeyer } from './sources/dedupe-keyer';
import { maxResponseBytesFrom } from './sources/source-fetch';
import { sourceConnector, sourceRecordFilter } from './sources/registry';
import type { AnySourceConnector } from './sources/source';

export interface FetchDeps {
  /** Injectable for tests of late arrival; the real clock otherwise. */
  now?: () => number;
  requestTimeoutMs?: number;
  /**
   * How long one fetch may read: then it returns the events it has (at least one page's worth), so a
   * slow or faulty source still makes progress within the activity's start-to-close timeout. The
   * activity sets it to half that timeout; unbounded outside an activity.
   */
  timeBudgetMs?: number;
  /** The most bytes of one source response (default: AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES or 4 MiB). */
  maxResponseBytes?: number;
  /** The activity's cancellation: aborts the request in flight. */
  signal?: AbortSignal;
  /** Maps a batch for a fetch with `mapTo` (injectable to test a failing map). Default: mapToOcsfFiles. */
  mapBatch?: (input: MapInput) => MapResult | Promise<MapResult>;
}

const isoSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A batch as read, before it is compressed for the workflow. */
interface ReadBatch extends Omit<FetchResultWithEvents, 'events'> {
  events: SourceEvent[];
  /** Each event's time (the source's), for the summary. */
  timestamps: string[];
  /** With filters: the time of the last record passed over or taken (see BatchSummary.scannedThroughSecond). */
  scannedThrough?: string;
}

/**
 * Reads new events after the watermark in ascending time from the source the input names, skips the
 * ones already exported (their dedupe keys are in `recentKeys`), and stops at the batch bounds. A
 * transient source error after some events were read returns the partial batch: progress is kept and
 * the next fetch continues.
 */
export async function fetchNewEvents(input: FetchInput, deps: FetchDeps = {}): Promise<FetchResult | FetchResultWithEvents | FetchResultMapped> {
  const batch = await readNewEvents(sourceConnector(input.source.type), input, deps);
  if (input.resultFormat !== 'compressed') {
    // Only executions from before the summary ask for this; their records have a `timestamp` (contracts/legacy-inputs.ts).
    const { timestamps: _timestamps, scannedThrough: _scannedThrough, ...withEvents } = batch;
    return withEvents as FetchResultWithEvents;
  }
  if (input.mapTo) return mapBatch(batch, input.source.type, input.mapTo, deps.mapBatch ?? mapToOcsfFiles);
  return { ...summarize(batch), ...compressEvents(batch.events) };
}

/** What moves the workflow's progress: the pass's outcome and the batch's summary. */
function summarize(batch: ReadBatch): Omit<FetchResult, 'eventsZstdBase64'> {
  const { events, timestamps, scannedThrough, ...outcome } = batch;
  const keys = events.map((event, i) => ({ key: event.key, timestamp: timestamps[i]! }));
  return { ...outcome, ...summarizeKeys({ keys, settledThrough: batch.settledThrough, exhausted: batch.exhausted, scannedThrough }) };
}

/**
 * The batch as OCSF files, mapped from the records this fetch parsed: the map activity's work without
 * compressing the records, recording them in history and parsing them again.
 */
async function mapBatch(batch: ReadBatch, type: string, mapTo: MapTo, map: NonNullable<FetchDeps['mapBatch']>): Promise<FetchResultMapped> {
  const { files } = await map({
    events: batch.events,
    source: { type, scopeId: mapTo.scopeId },
    maxEventsPerFile: mapTo.maxEventsPerFile,
    maxBytesPerFile: mapTo.maxBytesPerFile,
    output: 'zstd-base64',
  });
  return { ...summarize(batch), files };
}

async function readNewEvents(source: AnySourceConnector, input: FetchInput, deps: FetchDeps): Promise<ReadBatch> {
  const now = deps.now ?? Date.now;
  // Events at or before this instant had time to become visible before the pass began.
  const settledThrough = isoSecond(now() - input.lateArrivalSeconds * 1000);
  const deadline = Date.now() + (deps.timeBudgetMs ?? Infinity);
  const exported = new Set(Object.values(input.recentKeys).flat());
  const keyer = new DedupeKeyer((node: unknown) => source.contentHash(node));
  // Filtered-out records are passed over like exported ones; the batch then says how far it read, so
  // the watermark moves past them even when none of a pass's records matches.
  const matches = sourceRecordFilter(input.source.type, input.filters);
  let scannedThrough: string | undefined;
  const events: SourceEvent[] = [];
  const timestamps: string[] = [];
  let bytes = 0;
  let scanned = 0;
  let pages = 0;
  const result = (exhausted: boolean): ReadBatch => ({ events, timestamps, settledThrough, exhausted, scanned, pages, ...(matches ? { scannedThrough } : {}) });
  /** Something to hand over: events, or (with filters) records passed over. */
  const progressed = () => events.length > 0 || scannedThrough !== undefined;
  // A one-time export's range, in ms (an instant before `to` truncates to a ms before it, so this is exact).
  const range = input.range;
  const fromMs = range ? Date.parse(range.from) : -Infinity;
  const toMs = range ? Date.parse(range.to) : Infinity;
  const pagesAfter = source.pagesAfter(input.source, input.watermark, {
    requestTimeoutMs: deps.requestTimeoutMs,
    maxResponseBytes: deps.maxResponseBytes ?? maxResponseBytesFrom(),
    signal: deps.signal,
    // Until a first event is read there is nothing to hand over: the request timeout alone applies.
    deadline: () => (progressed() ? deadline : Infinity),
    beforeRequest: () => heartbeat({ pages, scanned, events: events.length }),
    ...(range ? { until: range.to } : {}),
  });

  try {
    for await (const page of pagesAfter) {
      pages++;
      const [eventsBefore, bytesBefore] = [events.length, bytes];
      for (const node of page.records) {
        scanned++;
        const timeMs = range ? Date.parse(source.eventTime(node)) : 0;
        // Records come in ascending time: the first at or after `to` ends the pass, everything before it was read.
        if (timeMs >= toMs) return result(true);
        // Keyed before filtering: an occurrence index counts every identical record, kept or not.
        const key = keyer.keyFor(node);
        if (timeMs < fromMs) continue;
        if (matches && !matches(node)) {
          scannedThrough = source.eventTime(node);
          continue;
        }
        if (exported.has(key)) continue;
        const size = Buffer.byteLength(JSON.stringify(node));
        if (events.length >= input.maxEvents || (events.length > 0 && bytes + size > input.maxBytes)) {
          return result(false);
        }
        events.push({ key, node });
        timestamps.push(source.eventTime(node));
        if (matches) scannedThrough = timestamps.at(-1);
        bytes += size;
      }
      // Out of time: what was read is a batch like any other (it ends on a page boundary).
      if (progressed() && page.hasNextPage && Date.now() >= deadline) return result(false);
      // A request the quota pays for is not spent on a page this batch could take only part of: if a
      // page like this one would not fit whole, the batch ends here, on a page boundary, like the above.
      if (source.rationedRequests && progressed() && page.hasNextPage) {
        const taken = events.length - eventsBefore;
        const pageBytes = taken > 0 ? ((bytes - bytesBefore) / taken) * page.records.length : 0;
        if (events.length + page.records.length > input.maxEvents || bytes + pageBytes > input.maxBytes) return result(false);
      }
    }
  } catch (error) {
    if (progressed() && error instanceof ExportError && error.retryable) return result(false);
    throw error;
  }
  return result(true);
}

function heartbeat(details: unknown): void {
  // Outside an activity (the direct pipeline, unit tests) there is nobody to tell.
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity context */
  }
}
