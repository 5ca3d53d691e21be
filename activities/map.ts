import type { MapInput, MapResult, MappedFile } from '../contracts/activities';
import { mapSourceOf } from '../contracts/legacy-inputs';
import { decompressEvents, encodeFileContent } from './compression';
import { sourceConnector } from './sources/registry';

/**
 * Maps source events to OCSF JSON Lines with the source's mapper and cuts them into files of at most
 * `maxEventsPerFile` events and `maxBytesPerFile` bytes. Files go back compressed: OCSF is about
 * three times the size of the source record, and the result is stored in workflow history.
 */
export function mapToOcsfFiles(input: MapInput): MapResult {
  const source = mapSourceOf(input);
  const connector = sourceConnector(source.type);
  const files: MappedFile[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (lines.length === 0) return;
    const jsonl = lines.join('');
    files.push({ events: lines.length, bytes, ...encodeFileContent(jsonl, input.output ?? 'gzip-base64') });
    lines = [];
    bytes = 0;
  };
  for (const event of decompressEvents(input)) {
    const line = `${JSON.stringify(connector.toOcsf(event, source))}\n`;
    const size = Buffer.byteLength(line);
    if (lines.length >= input.maxEventsPerFile || (lines.length > 0 && bytes + size > input.maxBytesPerFile)) flush();
    lines.push(line);
    bytes += size;
  }
  flush();
  return { files };
}
