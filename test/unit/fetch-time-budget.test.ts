// A fetch must finish inside its activity's start-to-close timeout, or the attempt and everything it
// read are lost and retried from scratch (which, against a slow source, can repeat forever). So it reads
// for a time budget and returns what it has, and no request or retry wait outlasts the deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportError } from '../../activities/errors';
import { fetchNewEvents } from '../../activities/fetch';
import { MondooAuditLogClient } from '../../activities/sources/mondoo/client';
import type { FetchInput } from '../../contracts/activities';
import { DEFAULT_LIMITS, type ExportProgress } from '../../workflows/definitions';
import { advanceProgress, fetchInputFor } from '../../workflows/progress';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';

const ORG = 'acme-corp-2fjq8x1';
let fake: FakeMondoo;
beforeAll(async () => {
  fake = await createFakeMondoo({ generated: { count: 700, start: '2025-06-01T00:00:00Z', perSecond: 3, seed: 5 } });
});
afterAll(() => fake?.close());

describe('the fetch time budget', () => {
  const source = () => ({ type: 'mondoo' as const, scopeMrn: orgMrn(ORG), endpoint: fake.url, token: fake.token });

  it('cuts a batch at a page boundary when time is up, and the export still gets every event exactly once', async () => {
    const start: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
    const all = await fetchNewEvents({ ...fetchInputFor(source(), DEFAULT_LIMITS, start), resultFormat: undefined });
    if (!('events' in all)) throw new Error('asked for events');
    expect(all.exhausted).toBe(true);
    expect(all.events.length).toBeGreaterThan(300); // the scope's share of the generated log
    let progress: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
    const keys: string[] = [];
    let fetches = 0;
    for (;;) {
      const input: FetchInput = { ...fetchInputFor(source(), DEFAULT_LIMITS, progress), resultFormat: undefined };
      const batch = await fetchNewEvents(input, { timeBudgetMs: 1 });
      if (!('events' in batch)) throw new Error('asked for events');
      fetches++;
      // One page (100 records) per fetch: the budget is spent before the second is requested.
      expect(batch.pages).toBe(1);
      keys.push(...batch.events.map((e) => e.key));
      progress = advanceProgress(progress, batch);
      if (batch.exhausted) break;
    }
    expect(fetches).toBe(Math.ceil(all.scanned / 100));
    expect(keys).toEqual(all.events.map((e) => e.key));
  });

  it('gives up on a hung request at the deadline instead of the request timeout', async () => {
    fake.faults.failNext('timeout', 4);
    const started = Date.now();
    const client = new MondooAuditLogClient({ endpoint: fake.url, token: fake.token, requestTimeoutMs: 30_000, deadline: () => started + 400 });
    const error = await client
      .ascendingPages(orgMrn(ORG), null)
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).kind).toBe('SourceTimeout');
    expect((error as ExportError).retryable).toBe(true);
    // Bounded by the deadline, not by the 30 s request timeout (a guard, not a speed assertion).
    expect(Date.now() - started).toBeLessThan(10_000);
    fake.faults.reset();
  });
});
