// OCSF mapping cost of each source's mapper against the practical limit: JSON.parse + JSON.stringify
// of the same records, in CPU time. One source at a time (its records only are in memory), the three measurements
// of a source interleaved run by run, so drift on a shared machine hits them alike.
import { compressEvents } from '../activities/compression';
import { mapToOcsfFiles } from '../activities/map';
import { sourceConnector } from '../activities/sources/registry';
import type { CompressedEvents, SourceEvent } from '../contracts/activities';
import { DEFAULT_LIMITS } from '../workflows/definitions';
import { median } from './process-stats';
import { MAPPED_SOURCE_TYPES, mapSourceFor, sourceEvents, type MappedSourceType } from './source-records';

export interface SourceMappingResult {
  source: MappedSourceType;
  /** Median records/s of JSON.parse + JSON.stringify of each source record: the floor. */
  parseStringifyPerSecond: number;
  /** Median records/s of JSON.parse + the source's mapper as map runs it: toOcsfLine where the connector has it, else toOcsf + JSON.stringify. */
  mapPerSecond: number;
  /** map time ÷ parse+stringify time (goal ≤ 1.5). */
  ratio: number;
  /** Median records/s of the map activity's body (mapToOcsfFiles: + decompressing the batch, files, zstd, base64). */
  mapToOcsfFilesPerSecond: number;
  mapToOcsfFilesRatio: number;
  /**
   * JSON.parse of the source record + JSON.stringify of its OCSF event (mapped outside the timing) ÷ the
   * floor: what a mapper that builds the event as an object costs even if mapping itself were free.
   */
  objectBoundRatio: number;
  sourceBytesPerRecord: number;
  ocsfBytesPerRecord: number;
}

export interface MappingResult {
  /** Records per source. */
  records: number;
  runs: number;
  sources: SourceMappingResult[];
}

/**
 * CPU seconds of this process spent in `body` (user + system, every thread: GC helpers count too). Not
 * wall time: on a machine shared with other work, wall time measures the scheduler as much as the code,
 * while the mapping is synchronous and alone in this process, so its CPU time is its cost.
 */
const time = (body: () => void): number => {
  const started = process.cpuUsage();
  body();
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1e6;
};

/** Seconds of parsing each record and stringifying its OCSF event, mapped beforehand a chunk at a time (memory stays small). */
function objectBound(input: string[], map: (event: SourceEvent) => Record<string, unknown>, sink: (size: number) => void): number {
  let seconds = 0;
  for (let i = 0; i < input.length; i += 1_000) {
    const chunk = input.slice(i, i + 1_000);
    const events = chunk.map((record) => map(JSON.parse(record) as SourceEvent));
    seconds += time(() => {
      for (let k = 0; k < chunk.length; k++) {
        JSON.parse(chunk[k]!);
        sink(JSON.stringify(events[k]).length);
      }
    });
  }
  return seconds;
}

function measureSource(type: MappedSourceType, records: number, runs: number): SourceMappingResult {
  // As the fetch activity hands them on: the node plus its dedupe key, serialized (history, wire).
  const input = sourceEvents(type, records).map((event) => JSON.stringify(event));
  const source = mapSourceFor(type);
  const connector = sourceConnector(type);
  let sink = 0; // keeps the work observable so nothing is optimized away
  let ocsfBytes = 0;
  const bare: number[] = [];
  const mapped: number[] = [];
  const files: number[] = [];
  const bound: number[] = [];
  // As the fetch activity hands batches on (compressed), prepared outside the timing.
  const batchSize = DEFAULT_LIMITS.maxEventsPerBatch ?? DEFAULT_LIMITS.maxEventsPerFile;
  const batches: CompressedEvents[] = [];
  for (let i = 0; i < input.length; i += batchSize)
    batches.push(compressEvents(input.slice(i, i + batchSize).map((record) => JSON.parse(record) as SourceEvent)));
  for (let run = 0; run < runs; run++) {
    bare.push(
      time(() => {
        for (const record of input) sink += JSON.stringify(JSON.parse(record)).length;
      }),
    );
    mapped.push(
      time(() => {
        ocsfBytes = 0;
        for (const record of input) {
          const event = JSON.parse(record) as SourceEvent;
          const line = connector.toOcsfLine ? connector.toOcsfLine(event, source).line : JSON.stringify(connector.toOcsf(event, source));
          ocsfBytes += line.length + 1;
        }
      }),
    );
    files.push(
      time(() => {
        for (const events of batches) {
          sink += mapToOcsfFiles({
            ...events,
            source,
            maxEventsPerFile: DEFAULT_LIMITS.maxEventsPerFile,
            maxBytesPerFile: DEFAULT_LIMITS.maxBytesPerFile,
            output: 'zstd-base64',
          }).files.length;
        }
      }),
    );
    bound.push(
      objectBound(
        input,
        (event) => connector.toOcsf(event, source),
        (size) => (sink += size),
      ),
    );
  }
  if (sink < 0) console.log(sink);
  const bareSeconds = median(bare);
  const mapSeconds = median(mapped);
  const filesSeconds = median(files);
  const sourceBytes = input.reduce((sum, record) => sum + record.length, 0);
  return {
    source: type,
    parseStringifyPerSecond: Math.round(records / bareSeconds),
    mapPerSecond: Math.round(records / mapSeconds),
    ratio: Math.round((mapSeconds / bareSeconds) * 100) / 100,
    mapToOcsfFilesPerSecond: Math.round(records / filesSeconds),
    mapToOcsfFilesRatio: Math.round((filesSeconds / bareSeconds) * 100) / 100,
    objectBoundRatio: Math.round((median(bound) / bareSeconds) * 100) / 100,
    sourceBytesPerRecord: Math.round(sourceBytes / records),
    ocsfBytesPerRecord: Math.round(ocsfBytes / records),
  };
}

export function runMapping(records = 200_000, runs = 5, sources: readonly MappedSourceType[] = MAPPED_SOURCE_TYPES): MappingResult {
  return { records, runs, sources: sources.map((type) => measureSource(type, records, runs)) };
}
