// OCSF mapping cost against the practical limit: JSON.parse + JSON.stringify of the same records.
import { compressEvents } from '../activities/compression';
import { mapToOcsfFiles } from '../activities/map';
import type { CompressedEvents } from '../contracts/activities';
import { mapMondooEventToOcsf } from '../activities/sources/mondoo/to-ocsf';
import { DedupeKeyer } from '../activities/sources/dedupe-keyer';
import { nodeHash } from '../activities/sources/mondoo/dedupe-key';
import type { MondooAuditNode, SourceEvent } from '../activities/sources/mondoo/types';
import { orgMrn } from '../sandbox/mondoo';
import { GeneratedSequence } from '../sandbox/mondoo/generate';
import { Topology } from '../sandbox/mondoo/topology';
import { DEFAULT_LIMITS } from '../workflows/definitions';
import { median } from './process-stats';

export interface MappingResult {
  records: number;
  runs: number;
  /** Median records/s of JSON.parse + JSON.stringify of each source record: the floor. */
  parseStringifyPerSecond: number;
  /** Median records/s of JSON.parse + mapMondooEventToOcsf + JSON.stringify. */
  mapPerSecond: number;
  /** map time ÷ parse+stringify time (goal ≤ 1.5). */
  ratio: number;
  /** Median records/s of the map activity's body (mapToOcsfFiles: + decompressing the batch, files, zstd, base64). */
  mapToOcsfFilesPerSecond: number;
  mapToOcsfFilesRatio: number;
  sourceBytesPerRecord: number;
  ocsfBytesPerRecord: number;
}

const ORG = 'bench-org-1';

function sourceRecords(count: number): string[] {
  const topology = new Topology([{ id: ORG, spaces: [] }]);
  const sequence = new GeneratedSequence({ count, seed: 7, start: '2024-01-01T00:00:00Z' }, topology.leaves);
  const keyer = new DedupeKeyer(nodeHash);
  const records: string[] = [];
  for (let i = 0; i < count; i++) {
    const node: MondooAuditNode = sequence.nodeAt(i);
    // As the fetch activity hands them on: the node plus its dedupe key, serialized (history, wire).
    records.push(JSON.stringify({ key: keyer.keyFor(node), node } satisfies SourceEvent));
  }
  return records;
}

const time = (body: () => void): number => {
  const started = performance.now();
  body();
  return (performance.now() - started) / 1000;
};

export function runMapping(records = 200_000, runs = 5): MappingResult {
  const input = sourceRecords(records);
  const scopeMrn = orgMrn(ORG);
  let sink = 0; // keeps the work observable so nothing is optimized away
  let ocsfBytes = 0;
  const bare: number[] = [];
  const mapped: number[] = [];
  const files: number[] = [];
  // As the fetch activity hands batches on (compressed), prepared outside the timing.
  const batchSize = DEFAULT_LIMITS.maxEventsPerBatch ?? DEFAULT_LIMITS.maxEventsPerFile;
  const batches: CompressedEvents[] = [];
  for (let i = 0; i < input.length; i += batchSize)
    batches.push(compressEvents(input.slice(i, i + batchSize).map((record) => JSON.parse(record) as SourceEvent)));
  for (let run = 0; run < runs; run++) {
    // Interleaved, so drift on a shared machine hits all three alike.
    bare.push(
      time(() => {
        for (const record of input) sink += JSON.stringify(JSON.parse(record)).length;
      }),
    );
    mapped.push(
      time(() => {
        ocsfBytes = 0;
        for (const record of input) {
          const line = JSON.stringify(mapMondooEventToOcsf(JSON.parse(record) as SourceEvent, { scopeMrn }));
          ocsfBytes += line.length + 1;
        }
      }),
    );
    files.push(
      time(() => {
        for (const records of batches) {
          sink += mapToOcsfFiles({
            ...records,
            scopeMrn,
            maxEventsPerFile: DEFAULT_LIMITS.maxEventsPerFile,
            maxBytesPerFile: DEFAULT_LIMITS.maxBytesPerFile,
            output: 'zstd-base64',
          }).files.length;
        }
      }),
    );
  }
  if (sink < 0) console.log(sink);
  const bareSeconds = median(bare);
  const mapSeconds = median(mapped);
  const filesSeconds = median(files);
  const sourceBytes = input.reduce((sum, record) => sum + record.length, 0);
  return {
    records,
    runs,
    parseStringifyPerSecond: Math.round(records / bareSeconds),
    mapPerSecond: Math.round(records / mapSeconds),
    ratio: Math.round((mapSeconds / bareSeconds) * 100) / 100,
    mapToOcsfFilesPerSecond: Math.round(records / filesSeconds),
    mapToOcsfFilesRatio: Math.round((filesSeconds / bareSeconds) * 100) / 100,
    sourceBytesPerRecord: Math.round(sourceBytes / records),
    ocsfBytesPerRecord: Math.round(ocsfBytes / records),
  };
}
