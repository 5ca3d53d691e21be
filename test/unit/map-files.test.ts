// The map activity's body: cutting OCSF lines into files, compressed with zstd (local activity) or gzip
// (executions that began before the map ran locally). Both must hold the same bytes.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFileContent } from '../../activities/compression';
import { mapToOcsfFiles } from '../../activities/map';
import { MAPPED_MONDOO_ACTIONS } from '../../activities/sources/mondoo/action-classes';
import type { SourceEvent } from '../../activities/sources/mondoo/types';
import { createNodeGenerator } from '../ocsf/random-mondoo-nodes';

const scopeMrn = '//captain.api.mondoo.app/organizations/mondoo-organization-1';

describe('mapToOcsfFiles', () => {
  const generate = createNodeGenerator(11, MAPPED_MONDOO_ACTIONS);
  const events: SourceEvent[] = Array.from({ length: 250 }, () => generate().event);
  const input = { events, scopeMrn, maxEventsPerFile: 100, maxBytesPerFile: 4 * 1024 * 1024 };

  it('cuts files at maxEventsPerFile; zstd and (for older executions) gzip carry the same JSON Lines', () => {
    const zstd = mapToOcsfFiles({ ...input, output: 'zstd-base64' }).files;
    const gzipped = mapToOcsfFiles(input).files;
    expect(zstd.map((f) => f.events)).toEqual([100, 100, 50]);
    expect(gzipped.map((f) => f.events)).toEqual([100, 100, 50]);
    zstd.forEach((file, i) => {
      const jsonl = decodeFileContent(file).toString();
      expect(jsonl.split('\n')).toHaveLength(file.events + 1); // every line ends in \n
      expect(
        jsonl
          .split('\n')
          .slice(0, -1)
          .every((line) => typeof (JSON.parse(line) as { class_uid: unknown }).class_uid === 'number'),
      ).toBe(true);
      expect(Buffer.byteLength(jsonl)).toBe(file.bytes);
      expect(file.jsonlZstdBase64!.length).toBeLessThan(file.bytes / 3);
      expect(gunzipSync(Buffer.from(gzipped[i]!.jsonlGzipBase64!, 'base64')).toString()).toBe(jsonl);
      expect(decodeFileContent(gzipped[i]!).toString()).toBe(jsonl);
    });
  });

  it('cuts files at maxBytesPerFile, never leaving a file empty', () => {
    const files = mapToOcsfFiles({ ...input, maxEventsPerFile: 1000, maxBytesPerFile: 20_000, output: 'zstd-base64' }).files;
    expect(files.reduce((n, f) => n + f.events, 0)).toBe(250);
    for (const file of files) {
      expect(file.events).toBeGreaterThan(0);
      if (file.events > 1) expect(file.bytes).toBeLessThanOrEqual(20_000);
    }
  });
});
