// A source whose requests a quota rations (Cloud Logging: 60 a minute per project) gets batches that end
// on a page boundary: the fetch does not ask for a page it could take only part of, which the next pass
// would ask for again. The export still gets every entry exactly once, in order.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchNewEvents } from '../../activities/fetch';
import { REQUESTS_PER_MINUTE_VAR } from '../../activities/sources/gcp-audit-logs/pacer';
import { gcpAuditLogsSourceSchema } from '../../activities/sources/gcp-audit-logs/schema';
import { CLOUD_LOGGING_MAX_PAGE_SIZE } from '../../activities/sources/gcp-audit-logs/types';
import { DEFAULT_LIMITS, type ExportLimits, type ExportProgress } from '../../workflows/definitions';
import { advanceProgress, fetchInputFor } from '../../workflows/progress';
import { createFakeCloudLogging, type FakeCloudLogging } from '../../sandbox/gcp-logging';

const PROJECT = 'projects/acme-pages-3k8d2w';
let fake: FakeCloudLogging;
let total: number;
beforeAll(async () => {
  vi.stubEnv(REQUESTS_PER_MINUTE_VAR, '60000');
  fake = await createFakeCloudLogging({ requireAuth: false, quotaPerMinute: 60_000 });
  // Entries stamped two hours ago: settled, so every pass may take all of them.
  fake.store.generate(PROJECT, { calls: 4_000, start: Date.now() - 2 * 3_600_000, perSecond: 5, seed: 3 });
  total = fake.store.all([PROJECT]).length;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

const source = () =>
  gcpAuditLogsSourceSchema.parse({
    type: 'gcp-audit-logs',
    resourceNames: [PROJECT],
    logTypes: ['activity', 'data_access', 'system_event', 'policy'],
    endpoint: fake.url,
  });

/** Fetches until the log is exhausted, moving the progress as the workflow does. */
async function exportAll(limits: ExportLimits) {
  let progress: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
  const keys: string[] = [];
  const batches: Array<{ events: number; pages: number; scanned: number; exhausted: boolean }> = [];
  const requestsBefore = fake.stats.listRequests;
  for (;;) {
    const batch = await fetchNewEvents({ ...fetchInputFor(source(), limits, progress), resultFormat: undefined });
    if (!('events' in batch)) throw new Error('asked for events');
    keys.push(...batch.events.map((e) => e.key));
    batches.push({ events: batch.events.length, pages: batch.pages ?? 0, scanned: batch.scanned ?? 0, exhausted: batch.exhausted });
    progress = advanceProgress(progress, batch);
    if (batch.exhausted) break;
  }
  return { keys, batches, requests: fake.stats.listRequests - requestsBefore };
}

describe('a fetch from a source with rationed requests', () => {
  it.each([
    ['events', { ...DEFAULT_LIMITS, maxEventsPerBatch: 2_500, maxFetchBytes: 64 * 1024 * 1024 }],
    ['bytes', { ...DEFAULT_LIMITS, maxEventsPerBatch: 10_000, maxFetchBytes: 3_500 * 1024 }],
  ])('ends a batch before a page that would not fit whole (bounded by %s), and exports every entry once', async (_bound, limits) => {
    expect(total).toBeGreaterThan(4_000);
    const { keys, batches, requests } = await exportAll(limits);
    expect(keys.length).toBe(total);
    expect(new Set(keys).size).toBe(total);
    for (const batch of batches.filter((b) => !b.exhausted)) {
      // Every page the batch asked for was read to its end: nothing read is left for the next pass to ask again.
      expect(batch.scanned).toBe(batch.pages * CLOUD_LOGGING_MAX_PAGE_SIZE);
      expect(batch.pages).toBeGreaterThanOrEqual(2);
    }
    // One request per page read: no page was asked for twice within a batch.
    expect(requests).toBe(batches.reduce((sum, b) => sum + b.pages, 0));
  });
});
