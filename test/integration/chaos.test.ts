// The chaos run, reduced for CI: a 4,000-call Cloud Audit Logs backfill (fake Cloud Logging: long-running
// operations write two entries, some are returned twice) with live and late entries while worker processes
// are SIGKILLed, the dev server restarts on its SQLite file, and 30% of source / 20% of sink requests fail.
// `npm run chaos -- --source gcp-audit-logs` runs the same module at full size; Mondoo's own chaos run is
// `npm run chaos`, and its crash safety in CI is export-crash.test.ts.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { runChaos, verdictLine } from '../../bench/chaos';
import { repoRoot } from '../../lib/temporal-config';
import { expectExactlyOnce, readExport } from '../helpers/export';

it('exports every Cloud Audit Logs entry exactly once through worker kills, a server restart and source/sink faults', async () => {
  const result = await runChaos({
    source: 'gcp-audit-logs',
    events: 4_000,
    kills: 4,
    restarts: 1,
    sourceFaultRate: 0.3,
    sinkFaultRate: 0.2,
    // ~40 objects, so the 20% sink faults surely hit some uploads (at 1000 per file there would be 5).
    maxEventsPerFile: 100,
    activityTimeoutMs: 10_000,
    gcsEndpoint: inject('gcsEndpoint'),
    encryptionKeys: inject('encryptionKeys'),
    dataDir: path.join(repoRoot, '.auditflow', 'test-logs', `chaos-${randomUUID().slice(0, 8)}`),
    // Guards against a stuck run, not a speed limit: the suite shares two cores with it.
    timeoutMs: 400_000,
    stallMs: 150_000,
  });
  console.log(verdictLine(result));
  expect(result.problems).toEqual([]);
  expect(result.kills).toBe(4);
  expect(result.serverRestarts).toBe(1);
  expect(result.faults.sink['drop-response'] + result.faults.sink['5xx']).toBeGreaterThan(0);
  expect(result.faults.source['429'] + result.faults.source['5xx'] + result.faults.source.timeout).toBeGreaterThan(0);
  expect(result.status?.status).toBe('active');
  // `verify` checked the signed evidence at the end: one unbroken chain through the last event.
  expect(result.evidence).toEqual({ ok: true, manifests: expect.any(Number), chainThrough: result.expected });
  // The shared helpers check the same invariants their own way (and every line as OCSF).
  expectExactlyOnce(await readExport(result.bucket, result.prefix), result.expectedKeys);
}, 420_000);
