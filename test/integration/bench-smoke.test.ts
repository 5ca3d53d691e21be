// The benchmark at toy sizes: it runs end to end and reports every figure. It asserts that figures are
// present and that the exports are complete, never a time or a ratio (those belong to `npm run bench`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runBackfill } from '../../bench/backfill';
import { runFanout } from '../../bench/fanout';
import { runMapping } from '../../bench/mapping';
import { formatReport } from '../../bench/report';
import { startStack, type Stack } from '../../bench/stack';

const present = (value: unknown) => expect(typeof value === 'number' && Number.isFinite(value) && value >= 0, String(value)).toBe(true);

describe('npm run bench, small', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      temporalAddress: inject('temporalAddress'),
      namespace: inject('temporalNamespace'),
      gcsUrl: inject('gcsEndpoint'),
      encryptionKeys: inject('encryptionKeys'),
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('measures backfill, mapping and fan-out and reports every figure', async () => {
    const mapping = runMapping(2_000, 1);
    expect(mapping.sources.map((s) => s.source)).toEqual(['mondoo', 'endorlabs', 'gcp-audit-logs']);
    for (const { source: _source, ...figures } of mapping.sources) for (const value of Object.values(figures)) present(value);

    const backfill = await runBackfill(stack, 3_000);
    expect(backfill.temporal.tiling.complete).toBe(true);
    expect(backfill.direct.tiling.complete).toBe(true);
    for (const value of [
      backfill.ratio,
      backfill.temporal.eventsPerSecond,
      backfill.direct.eventsPerSecond,
      backfill.temporal.workerPeakRssMb,
      backfill.temporal.workerHwmMb,
    ]) {
      present(value);
    }
    expect(backfill.temporal.history.executions).toBeGreaterThan(0);
    expect(backfill.temporal.history.maxHistoryLength).toBeGreaterThan(0);
    expect(backfill.temporal.history.maxPayloadBytes).toBeGreaterThan(0);

    const fanout = await runFanout(stack, { integrations: 4, intervalSeconds: 5, steadySeconds: 6 });
    for (const value of [fanout.firstRunsSeconds, fanout.runsPerMinute, fanout.workerCpuPercent, fanout.workerMedianRssMb]) present(value);
    expect(fanout.exportedEvents).toBeGreaterThan(0);

    const markdown = formatReport({ backfill: [backfill], mapping, fanout }, 'bench-smoke');
    expect(markdown).toContain('### Backfill');
    expect(markdown).toContain('### Mapping');
    expect(markdown).toContain('### Fan-out');
  });
});
