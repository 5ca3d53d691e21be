// The cheap completeness check: object names alone must tile 1..N (no gap, no overlap, nothing more).
import type { Storage } from '@google-cloud/storage';
import { isManifestName } from '../lib/evidence/format';

const NAME = /-audit-logs-(\d+)-(\d+)\.jsonl$/;

export interface Tiling {
  objects: number;
  /** Sum of the objects' byte sizes (from the listing, no download). */
  bytes: number;
  lastSeq: number;
  /** True when the ranges tile exactly 1..expected. */
  complete: boolean;
  problem?: string;
}

export async function checkTiling(storage: Storage, bucket: string, prefix: string, expected: number): Promise<Tiling> {
  const [files] = await storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
  const ranges: Array<{ from: number; to: number; name: string }> = [];
  let bytes = 0;
  for (const file of files) {
    if (isManifestName(file.name)) continue; // the evidence chain's, checked by verify
    const match = NAME.exec(file.name);
    if (!match) return { objects: files.length, bytes, lastSeq: 0, complete: false, problem: `unexpected object ${file.name}` };
    ranges.push({ from: Number(match[1]), to: Number(match[2]), name: file.name });
    bytes += Number(file.metadata.size ?? 0);
  }
  ranges.sort((a, b) => a.from - b.from);
  let next = 1;
  for (const range of ranges) {
    if (range.from !== next || range.to < range.from) {
      return { objects: ranges.length, bytes, lastSeq: next - 1, complete: false, problem: `${range.name} does not start at ${next}` };
    }
    next = range.to + 1;
  }
  const lastSeq = next - 1;
  const complete = lastSeq === expected;
  return { objects: ranges.length, bytes, lastSeq, complete, problem: complete ? undefined : `ranges end at ${lastSeq}, expected ${expected}` };
}
