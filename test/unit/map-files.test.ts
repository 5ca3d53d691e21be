// The map activity's body: cutting OCSF lines into files, as text (local activity) or gzip + base64
// (executions that began before the map ran locally). Both must hold the same bytes.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mapToOcsfFiles } from '../../activities/map';
import { MAPPED_MONDOO_ACTIONS } from '../../activities/ocsf/mondoo-action-classes';
import type { SourceEvent } from '../../activities/sources/mondoo-types';
import { createNodeGenerator } from '../ocsf/random-mondoo-nodes';

const scopeMrn = '//captain.api.mondoo.app/organizations/mondoo-organization-1';

describe('mapToOcsfFiles', () => {
  const generate = createNodeGenerator(11, MAPPED_MONDOO_ACTIONS);
  const events: SourceEvent[] = Array.from({ length: 250 }, () => generate().event);
  const input = { events, scopeMrn, maxEventsPerFile: 100, maxBytesPerFile: 4 * 1024 * 1024 };

  it('cuts files at maxEventsPerFile and returns JSON Lines text, or the same bytes gzipped for older executions', () => {
    const text = mapToOcsfFiles({ ...input, output: 'jsonl' }).files;
    const gzipped = mapToOcsfFiles(input).files;
    expect(text.map((f) => f.events)).toEqual([100, 100, 50]);
    expect(gzipped.map((f) => f.events)).toEqual([100, 100, 50]);
    text.forEach((file, i) => {
      expect(file.jsonl!.split('\n')).toHaveLength(file.events + 1); // every line ends in \n
      expect(Buffer.byteLength(file.jsonl!)).toBe(file.bytes);
      expect(gunzipSync(Buffer.from(gzipped[i]!.jsonlGzipBase64!, 'base64')).toString()).toBe(file.jsonl);
      expect(file.jsonlGzipBase64).toBeUndefined();
    });
  });

  it('cuts files at maxBytesPerFile, never leaving a file empty', () => {
    const files = mapToOcsfFiles({ ...input, maxEventsPerFile: 1000, maxBytesPerFile: 20_000, output: 'jsonl' }).files;
    expect(files.reduce((n, f) => n + f.events, 0)).toBe(250);
    for (const file of files) {
      expect(file.events).toBeGreaterThan(0);
      if (file.events > 1) expect(file.bytes).toBeLessThanOrEqual(20_000);
    }
  });
});
