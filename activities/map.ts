import type { MapInput, MapResult, MappedFile } from '../contracts/activities';
import { mapSourceOf } from '../contracts/legacy-inputs';
import { decompressEvents, encodeFileContent } from './compression';
import { sourceConnector } from './sources/registry';

/**
 * Maps source events to OCSF JSON Lines with the source's mapper and cuts them into files of at most
 * `maxEventsPerFile` events and `maxBytesPerFile` bytes. Files go back compressed: OCSF is about
 * three times the size of the source record, and the result is stored in workflow history. Each file
 * carries the time of its earliest event, which names it under a dated prefix (workflows/object-names.ts).
 */
export function mapToOcsfFiles(input: MapInput): MapResult {
  const source = mapSourceOf(input);
  const connector = sourceConnector(source.type);
  const files: MappedFile[] = [];
  let lines: string[] = [];
  let bytes = 0;
  let earliest = Infinity;
  const flush = () => {
    if (lines.length === 0) return;
    const jsonl = lines.join('');
    const firstEventAt = Number.isFinite(earliest) ? new Date(earliest).toISOString() : undefined;
    files.push({ events: lines.length, bytes, ...encodeFileContent(jsonl, input.output ?? 'gzip-base64'), ...(firstEventAt ? { firstEventAt } : {}) });
    lines = [];
    bytes = 0;
    earliest = Infinity;
  };
  for (const event of decompressEvents(input)) {
    const ocsf = connector.toOcsfLine ? connector.toOcsfLine(event, source) : lineOf(connector.toOcsf(event, source));
    const line = `${ocsf.line}\n`;
    const size = Buffer.byteLength(line);
    if (lines.length >= input.maxEventsPerFile || (lines.length > 0 && bytes + size > input.maxBytesPerFile)) flush();
    lines.push(line);
    bytes += size;
    // Events come in time order, so this is the first line's time; the minimum holds even if a source is off by a tie.
    const time = ocsf.time;
    if (typeof time === 'number' && Number.isFinite(time) && time < earliest) earliest = time;
  }
  flush();
  return { files };
}

/** An event the connector gave as an object, as the line the fast path gives. */
function lineOf(ocsf: Record<string, unknown>): { line: string; time: unknown } {
  return { line: JSON.stringify(ocsf), time: ocsf.time };
}
