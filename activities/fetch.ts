import { Context } from '@temporalio/activity';
import { ExportError } from './errors';
import { DedupeKeyer } from './sources/mondoo/dedupe-key';
import { MondooAuditLogClient } from './sources/mondoo/client';
import type { SourceEvent } from './sources/mondoo/types';
import { summarizeBatch } from '../workflows/progress';
import { compressEvents } from './compression';
import { openedSecret } from '../lib/sealing';
import { maxResponseBytesFrom } from './sources/source-fetch';
import type { FetchInput, FetchResult, FetchResultWithEvents } from './types';

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
}

const isoSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Reads new events after the watermark in ascending time, skips the ones already exported (their
 * dedupe keys are in `recentKeys`), and stops at the batch bounds. A transient source error after
 * some events were read returns the partial batch: progress is kept and the next fetch continues.
 */
export async function fetchNewEvents(input: FetchInput, deps: FetchDeps = {}): Promise<FetchResult | FetchResultWithEvents> {
  const batch = await readNewEvents(input, deps);
  return input.resultFormat === 'compressed' ? compressBatch(batch) : batch;
}

/** The batch as the workflow receives it: compressed events and the summary that moves the progress. */
export function compressBatch(batch: FetchResultWithEvents): FetchResult {
  const { events, ...outcome } = batch;
  return { ...outcome, ...summarizeBatch(batch), ...compressEvents(events) };
}

async function readNewEvents(input: FetchInput, deps: FetchDeps): Promise<FetchResultWithEvents> {
  const now = deps.now ?? Date.now;
  // Events at or before this instant had time to become visible before the pass began.
  const settledThrough = isoSecond(now() - input.lateArrivalSeconds * 1000);
  const deadline = Date.now() + (deps.timeBudgetMs ?? Infinity);
  const exported = new Set(Object.values(input.recentKeys).flat());
  const keyer = new DedupeKeyer();
  const events: SourceEvent[] = [];
  let bytes = 0;
  let scanned = 0;
  let pages = 0;
  const result = (exhausted: boolean): FetchResultWithEvents => ({ events, settledThrough, exhausted, scanned, pages });
  const client = new MondooAuditLogClient({
    endpoint: input.source.endpoint,
    token: openedSecret(input.source.token, 'source.token'),
    requestTimeoutMs: deps.requestTimeoutMs,
    maxResponseBytes: deps.maxResponseBytes ?? maxResponseBytesFrom(),
    signal: deps.signal,
    // Until a first event is read there is nothing to hand over: the request timeout alone applies.
    deadline: () => (events.length > 0 ? deadline : Infinity),
    beforeRequest: () => heartbeat({ pages, scanned, events: events.length }),
  });

  try {
    for await (const page of client.ascendingPages(input.source.scopeMrn, input.watermark)) {
      pages++;
      for (const node of page.nodes) {
        scanned++;
        const key = keyer.keyFor(node);
        if (exported.has(key)) continue;
        const size = Buffer.byteLength(JSON.stringify(node));
        if (events.length >= input.maxEvents || (events.length > 0 && bytes + size > input.maxBytes)) {
          return result(false);
        }
        events.push({ key, node });
        bytes += size;
      }
      // Out of time: what was read is a batch like any other (it ends on a page boundary).
      if (events.length > 0 && page.hasNextPage && Date.now() >= deadline) return result(false);
    }
  } catch (error) {
    if (events.length > 0 && error instanceof ExportError && error.retryable) return result(false);
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
