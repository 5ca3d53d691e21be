// A fetch with `mapTo` (MAP_IN_FETCH_PATCH) returns what the fetch without it and the map activity
// return between them: the same summary, which moves the watermark, and the same OCSF files, byte for byte.
// A map that fails fails the fetch, with its reason, so nothing of the batch is handed over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchResult, FetchResultMapped, MapResult } from '../../contracts/activities';
import { decodeFileContent } from '../../activities/compression';
import { fetchNewEvents } from '../../activities/fetch';
import { mapToOcsfFiles } from '../../activities/map';
import { DEFAULT_LIMITS, type ExportLimits, type ExportProgress } from '../../workflows/definitions';
import { advanceProgress, fetchInputFor, mapToFor } from '../../workflows/progress';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';

const ORG = 'acme-corp-2fjq8x1';
const SCOPE_ID = 'tenant-scope-1';
let fake: FakeMondoo;
beforeAll(async () => {
  // Identical records in one second too (perSecond 7 over a few seconds' timestamps): keys carry an occurrence index.
  fake = await createFakeMondoo({ generated: { count: 1_300, start: '2025-06-01T00:00:00Z', perSecond: 7, seed: 23 } });
});
afterAll(() => fake?.close());

// Small batches and files, so a pass is several batches and a batch several files.
const limits: ExportLimits = { ...DEFAULT_LIMITS, maxEventsPerBatch: 400, maxEventsPerFile: 150, maxBytesPerFile: 120_000 };
const mapTo = mapToFor(limits, SCOPE_ID);
const source = () => ({ type: 'mondoo' as const, scopeMrn: orgMrn(ORG), endpoint: fake.url, token: fake.token });
const files = (result: MapResult) =>
  result.files.map((file) => ({ events: file.events, bytes: file.bytes, firstEventAt: file.firstEventAt, jsonl: decodeFileContent(file).toString() }));

describe('a fetch that maps', () => {
  it('gives the summary and the files of a fetch followed by the map activity, batch after batch', async () => {
    let progress: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
    let batches = 0;
    let events = 0;
    const startedAt = Date.now();
    const now = () => startedAt;
    for (;;) {
      const input = fetchInputFor(source(), limits, progress);
      // One clock for both: `settledThrough` is now minus the late window, to the second.
      const plain = (await fetchNewEvents(input, { now })) as FetchResult;
      const mapped = (await fetchNewEvents({ ...input, mapTo }, { now })) as FetchResultMapped;
      expect('eventsZstdBase64' in mapped).toBe(false);
      const { eventsZstdBase64, ...plainSummary } = plain;
      const { files: _files, ...mappedSummary } = mapped;
      expect(mappedSummary).toEqual(plainSummary);
      const byMapActivity = mapToOcsfFiles({ eventsZstdBase64, source: { type: 'mondoo', scopeId: SCOPE_ID }, ...mapTo, output: 'zstd-base64' });
      expect(files(mapped)).toEqual(files(byMapActivity));
      if (plain.count > 0) {
        if (plain.count > limits.maxEventsPerFile) expect(mapped.files.length).toBeGreaterThan(1);
        expect(files(mapped).every((file) => file.jsonl.includes(`"${SCOPE_ID}"`))).toBe(true);
        expect(mapped.files.reduce((sum, file) => sum + file.events, 0)).toBe(plain.count);
      }
      batches++;
      events += plain.count;
      expect(batches, 'the pass ends').toBeLessThan(50);
      progress = advanceProgress(progress, mapped);
      if (mapped.exhausted) break;
    }
    expect(events).toBe(fake.store.count(orgMrn(ORG)));
    expect(events).toBeGreaterThan(500);
    expect(batches).toBeGreaterThanOrEqual(3);
  });

  it('fails when the map fails, with its reason', async () => {
    const input = { ...fetchInputFor(source(), limits, { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } }), mapTo };
    const mapBatch = () => Promise.reject(new Error('the mapper broke'));
    await expect(fetchNewEvents(input, { mapBatch })).rejects.toThrow('the mapper broke');
  });
});
