// Scale: a million generated events paged through the real client in bounded memory. Takes minutes on
// a busy 2-core machine, so it runs with the integration tests, not in the fast unit project.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { MONDOO_PLATFORM_MRN } from '../../activities/sources/mondoo/types';
import { createFakeMondoo, type FakeMondoo } from '../../sandbox/mondoo';
import { createAuditLogClient } from '../../sandbox/mondoo/client';

const ASC = { direction: 'ASC', field: 'TIMESTAMP' } as const;

describe('fake Mondoo: 1,000,000 generated events', () => {
  let fake: FakeMondoo | undefined;
  afterAll(async () => fake?.close());

  it('pages through all of them ASC with first=100 in small memory', async () => {
    fake = await createFakeMondoo({ generated: { count: 1_000_000, seed: 7, perSecond: 20 } });
    const { page } = createAuditLogClient(fake.url, fake.token);
    // Retained memory, not garbage: force a GC before each sample (the flag can be set at runtime).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    const started = performance.now();
    let seen = 0;
    let previous = '';
    let ordered = true;
    let after: string | undefined;
    for (;;) {
      const conn = await page({ resourceMrn: MONDOO_PLATFORM_MRN, first: 100, orderBy: ASC, after });
      if (seen === 0) expect(conn.totalCount).toBe(1_000_000);
      for (const edge of conn.edges) {
        if (edge.node.timestamp < previous) ordered = false;
        previous = edge.node.timestamp;
      }
      seen += conn.edges.length;
      if (seen % 100_000 === 0) {
        gc();
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor!;
    }
    const seconds = (performance.now() - started) / 1000;
    const growthMb = (peakHeap - heapBefore) / 2 ** 20;
    console.log(
      `fake-mondoo: paged 1,000,000 events in ${seconds.toFixed(1)} s over ${fake.requests} requests, retained heap growth ${growthMb.toFixed(1)} MB`,
    );
    expect(seen).toBe(1_000_000);
    expect(ordered).toBe(true);
    // 1M materialized nodes would take several hundred MB; the generated store keeps none.
    expect(growthMb).toBeLessThan(50);
  }, 300_000);
});
