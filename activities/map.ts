import { gzipSync } from 'node:zlib';
import { mapMondooEventToOcsf } from './ocsf/mondoo-to-ocsf';
import type { MapInput, MapResult, MappedFile } from './types';

/**
 * Maps source events to OCSF JSON Lines and cuts them into files of at most `maxEventsPerFile`
 * events and `maxBytesPerFile` bytes. The result is stored in workflow history, where the payload
 * codec compresses it (OCSF is about three times the size of the source record); older executions
 * asked for gzip + base64 here instead.
 */
export function mapToOcsfFiles(input: MapInput): MapResult {
  const files: MappedFile[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (lines.length === 0) return;
    const jsonl = lines.join('');
    const content = input.output === 'jsonl' ? { jsonl } : { jsonlGzipBase64: gzipSync(jsonl).toString('base64') };
    files.push({ events: lines.length, bytes, ...content });
    lines = [];
    bytes = 0;
  };
  for (const event of input.events) {
    const line = `${JSON.stringify(mapMondooEventToOcsf(event, { scopeMrn: input.scopeMrn }))}\n`;
    const size = Buffer.byteLength(line);
    if (lines.length >= input.maxEventsPerFile || (lines.length > 0 && bytes + size > input.maxBytesPerFile)) flush();
    lines.push(line);
    bytes += size;
  }
  flush();
  return { files };
}
