// The benchmark at toy sizes: it runs end to end and reports every figure. It asserts that figures are
// present and that the exports are complete, never a time or a ratio (those belong to `npm run bench`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runBackfill } from '../../bench/backfill';
import { runFanout } from '../../bench/fanout';
import { runIdle } from '../../bench/idle';
import { runMapping } from '../../bench/mapping';
import { formatReport } from '../../bench/report';
import { runSourceLimits } from '../../bench/source-limits';
import { startStack, type Stack } from '../../bench/stack';
import { runUploadBench } from '../../bench/uploads';

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

  it('measures backfill, mapping, fan-out and upload time per destination and reports every figure', async () => {
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
    // The worker's JavaScript ran the batch: its main thread has CPU of its own in the breakdown.
    expect(backfill.temporal.workerCpuByThread?.MainThread).toBeGreaterThan(0);
    expect(backfill.temporal.history.executions).toBeGreaterThan(0);
    expect(backfill.temporal.history.maxHistoryLength).toBeGreaterThan(0);
    expect(backfill.temporal.history.maxPayloadBytes).toBeGreaterThan(0);

    // Started with the client at a 5 s interval, so scheduled runs start inside the window: their lag is read
    // from the worker's Prometheus histogram.
    const fanout = await runFanout(stack, { integrations: 4, intervalSeconds: 5, steadySeconds: 8, create: 'client' });
    for (const value of [fanout.firstRunsSeconds, fanout.runsPerMinute, fanout.workerCpuPercent, fanout.workerMedianRssMb, fanout.lagP50Ms, fanout.lagP99Ms])
      present(value);
    expect(fanout.lagRuns).toBeGreaterThan(0);
    expect(fanout.exportedEvents).toBeGreaterThan(0);
    // Idle integrations: the worker's RSS before any, and over a window after every first run.
    const idle = await runIdle(stack, { integrations: 3, windowSeconds: 3 });
    for (const value of [idle.workerStartRssMb, idle.windowMedianRssMb, idle.windowPeakRssMb, idle.workerPeakRssMb, idle.firstRunsSeconds]) present(value);
    expect(idle.windowPeakRssMb).toBeGreaterThan(0);
    // Through a real API process: its create path, at the API's minimum interval (no run in a 0 s window).
    const viaApi = await runFanout(stack, { integrations: 3, intervalSeconds: 300, steadySeconds: 0, create: 'api' });
    present(viaApi.createsPerSecond);
    expect(viaApi.create).toBe('api');
    expect(viaApi.exportedEvents).toBeGreaterThan(0);

    // Each store's own emulator (the test run's GCS one): two objects and a manifest per batch.
    const uploads = await runUploadBench({ batches: 2, eventsPerBatch: 1_200, gcsEndpoint: inject('gcsEndpoint') });
    expect(uploads.destinations.map((d) => d.type)).toEqual(['gcs', 's3', 'azure-blob']);
    expect(uploads.objectsPerBatch).toBe(2);
    expect(uploads.bytesPerBatch).toBeGreaterThan(0);
    for (const d of uploads.destinations)
      for (const value of [d.auditflowMedianMs, d.auditflowP90Ms, d.auditflowStoreCallsMedianMs, d.sdkMedianMs, d.sdkP90Ms, d.ratio]) present(value);

    const markdown = formatReport({ backfill: [backfill], mapping, idle, fanout, uploads, note: 'smoke' }, 'bench-smoke');
    expect(markdown).toContain('### Backfill');
    expect(markdown).toContain('### Mapping');
    expect(markdown).toContain('### Idle integrations (3, 1-day interval');
    expect(markdown).toContain('### Fan-out');
    expect(markdown).toContain('### Upload time per batch');
    expect(markdown).toMatch(/\| azure-blob \| [\d.]+ \([\d.]+\) \| [\d.]+ \| [\d.]+ \([\d.]+\) \| [\d.]+ \|/);
    expect(markdown).toContain('- note: smoke');
    expect(markdown).toContain('start lag');
    // A size run twice (--backfill-runs 2) gets its median ratio and range.
    const twice = formatReport({ backfill: [backfill, { ...backfill, ratio: backfill.ratio + 0.1 }] }, 'bench-smoke');
    expect(twice).toContain(`3,000 events, 2 runs: ratio median ${(backfill.ratio + 0.05).toFixed(2)} (${backfill.ratio}–${backfill.ratio + 0.1})`);
    expect(markdown).toMatch(/CPU seconds by thread[\s\S]*- 3,000: worker .*MainThread [\d.]+/);
  });

  it('measures source limits and reports them', async () => {
    // One page per project under the fake's real quota, and a few Endor Labs pages: the section runs, never a rate.
    const sourceLimits = await runSourceLimits(stack, { gcpEntries: 300, gcpProjects: [2], requestsPerMinute: 60, endorEvents: 1_200 });
    for (const run of sourceLimits.cloudLogging) {
      expect(run.complete).toBe(true);
      expect(run.rateLimited).toBe(0);
      for (const value of [run.eventsPerSecond, run.quotaUsed, run.ofMax, run.eventsPerRequest]) present(value);
    }
    expect(sourceLimits.endorLabs?.complete).toBe(true);
    expect(sourceLimits.endorLabs?.maxPageSizeSeen).toBe(500);
    const markdown = formatReport({ backfill: [], sourceLimits }, 'bench-smoke');
    expect(markdown).toContain('### Source limits: Cloud Audit Logs');
    expect(markdown).toContain('### Source limits: Endor Labs');
  });
});
