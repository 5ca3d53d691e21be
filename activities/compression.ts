// How a batch travels between activities through workflow history: fetched events (fetch → map) and
// each object's JSON Lines (map → upload), compressed inside the activity, so the workflow, the payload
// converter and the codec handle a short base64 string instead of megabytes of escaped JSON (a
// 3,000-event batch is ~1.3 MB of source records and ~3.6 MB of OCSF).
// Bounded batches in history rather than a claim check (batch in a staging object or on disk, its
// name in history): the exporter's credential may only create objects, so it could never delete a
// staging object, and local disk does not survive an activity's move to another worker.
import { constants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { CompressedEvents, FileContent, SourceEvent } from '../contracts/activities';

/** zstd at level 1: a batch's OCSF in ~2 ms, 10-20× smaller (bench data). */
const ZSTD_LEVEL_1 = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

export type FileContentFormat = 'zstd-base64' | 'gzip-base64';

const toZstdBase64 = (text: string): string => zstdCompressSync(text, ZSTD_LEVEL_1).toString('base64');
const fromZstdBase64 = (base64: string): Buffer => zstdDecompressSync(Buffer.from(base64, 'base64'));

export function encodeFileContent(jsonl: string, format: FileContentFormat): FileContent {
  return format === 'zstd-base64' ? { jsonlZstdBase64: toZstdBase64(jsonl) } : { jsonlGzipBase64: gzipSync(jsonl).toString('base64') };
}

export function decodeFileContent(content: FileContent): Buffer {
  if (content.jsonlZstdBase64 !== undefined) return fromZstdBase64(content.jsonlZstdBase64);
  return gunzipSync(Buffer.from(content.jsonlGzipBase64, 'base64'));
}

export function compressEvents(events: SourceEvent[]): CompressedEvents {
  return { eventsZstdBase64: toZstdBase64(JSON.stringify(events)) };
}

export function decompressEvents(records: CompressedEvents | { events: SourceEvent[] }): SourceEvent[] {
  if ('events' in records) return records.events;
  return JSON.parse(fromZstdBase64(records.eventsZstdBase64).toString()) as SourceEvent[];
}
