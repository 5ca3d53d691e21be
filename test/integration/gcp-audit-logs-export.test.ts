// Cloud Audit Logs exported end to end: real worker, dev server and emulator; the fake Cloud Logging
// API behind fake Google token services (the source authenticates with a service-account key through
// the GCS destination's credentials code). Every entry exactly once, files that tile 1..N, 100 % valid
// OCSF; quota, empty pages with a token, late entries, pause/resume/delete, and a missing role.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Worker } from '@temporalio/worker';
import { TRUSTED_TOKEN_URIS_VAR } from '../../activities/sinks/gcs/token-uri';
import { REQUESTS_PER_MINUTE_VAR } from '../../activities/sources/gcp-audit-logs/pacer';
import { gcpAuditLogsScope, gcpAuditLogsSourceSchema } from '../../activities/sources/gcp-audit-logs/schema';
import type { AuditLogType, GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { deleteSignal, pauseSignal, resumeSignal, runNowSignal, type IntegrationConfig } from '../../workflows/definitions';
import { mulberry32 } from '../../sandbox/faults';
import { buildEntries, createFakeCloudLogging, nanosOf, PRIVATE_LOG_VIEWER, VIEWER, type FakeCloudLogging } from '../../sandbox/gcp-logging';
import { createFakeGcp, serviceAccountEmail, type FakeGcp, type ServiceAccountKey } from '../fakes/gcp';
import { expectExactlyOnce, integrationConfig, readExport, startExport, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';
import { openTestEnv, startExportWorker, type TestEnv } from '../helpers/temporal';

const PROJECT = 'projects/acme-prod-4kd9s2';
const FOLDER = 'folders/123456789';
const DEFAULT_TYPES: AuditLogType[] = ['activity', 'system_event', 'policy'];
const PREFIX = 'gcp/';
const secondsAgo = (s: number) => new Date(Math.floor(Date.now() / 1000 - s) * 1000).toISOString().replace('.000Z', 'Z');

describe('Cloud Audit Logs export', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let gcp: FakeGcp;
  let logging: FakeCloudLogging;
  let reader: ServiceAccountKey;
  const fakes: FakeCloudLogging[] = [];

  beforeAll(async () => {
    gcp = await createFakeGcp();
    // Tests trust their local token endpoint; the pace is raised so a backfill takes seconds.
    vi.stubEnv(TRUSTED_TOKEN_URIS_VAR, gcp.tokenUri);
    vi.stubEnv(REQUESTS_PER_MINUTE_VAR, '6000');
    env = await openTestEnv();
    worker = await startExportWorker(env);
    reader = gcp.createServiceAccountKey(serviceAccountEmail('log-reader'));
    logging = await fakeLogging();
    logging.store.generate(PROJECT, { calls: 1_200, start: '2026-06-01T00:00:00Z', perSecond: 4, seed: 11 });
    logging.store.generate(FOLDER, { calls: 300, start: '2026-06-01T00:01:00Z', perSecond: 4, seed: 12 });
    // Cloud Logging returns some entries twice.
    const some = logging.store.all([PROJECT]).filter((_, i) => i % 97 === 0);
    logging.store.add(some, { visibleAt: 0 });
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    await Promise.all([...fakes.map((f) => f.close()), gcp?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  async function fakeLogging(options: Parameters<typeof createFakeCloudLogging>[0] = {}): Promise<FakeCloudLogging> {
    const fake = await createFakeCloudLogging({ principalOf: (token) => gcp.principalOf(token), ...options });
    fakes.push(fake);
    return fake;
  }

  function configFor(
    fake: FakeCloudLogging,
    bucket: string,
    resourceNames: string[],
    options: { logTypes?: AuditLogType[]; includeHistorical?: boolean; createdAt?: string; maxEventsPerFile?: number; key?: ServiceAccountKey } = {},
  ): IntegrationConfig {
    const source = gcpAuditLogsSourceSchema.parse({
      type: 'gcp-audit-logs',
      resourceNames,
      ...(options.logTypes ? { logTypes: options.logTypes } : {}),
      credentials: { serviceAccountJson: (options.key ?? reader).json },
      endpoint: fake.url,
    });
    const base = integrationConfig({
      mondooUrl: 'http://127.0.0.1:9',
      mondooToken: 'unused',
      scopeMrn: '//captain.api.mondoo.app/organizations/unused',
      bucket,
      prefix: PREFIX,
      includeHistorical: options.includeHistorical,
      createdAt: options.createdAt,
      limits: { maxEventsPerFile: options.maxEventsPerFile ?? 250, lateArrivalSeconds: 600 },
    });
    return { ...base, source, connectorFacts: { ...gcpAuditLogsScope(resourceNames), objectUrlBase: `gs://${bucket}/` } };
  }

  const selected = (entries: GcpLogEntry[], types: AuditLogType[] = DEFAULT_TYPES) => entries.filter((e) => types.some((t) => e.logName.endsWith(`%2F${t}`)));
  const ids = (entries: GcpLogEntry[]) => entries.map((e) => e.insertId);

  it('exports the whole history of a project on the first run, each entry once, in files that tile 1..N', async () => {
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(logging, bucket, [PROJECT]));
    const expected = ids(selected(logging.store.all([PROJECT])));
    expect(expected.length).toBeGreaterThan(700);
    const status = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(status).toMatchObject({ status: 'active', totals: { events: expected.length } });
    const exported = await readExport(bucket, PREFIX);
    expectExactlyOnce(exported, expected);
    expect(exported.names[0]).toBe(`${PREFIX}gcp-projects-acme-prod-4kd9s2-audit-logs-1-250.jsonl`);
    expect(exported.names.length).toBe(Math.ceil(expected.length / 250));
    // Long-running operations: both entries of an operation are exported, linked by correlation_uid.
    const operations = new Map<string, number>();
    for (const event of exported.events) {
      const id = (event.metadata as { correlation_uid?: string }).correlation_uid;
      if (id) operations.set(id, (operations.get(id) ?? 0) + 1);
    }
    expect([...operations.values()].filter((n) => n === 2).length).toBeGreaterThan(10);
    await handle.signal(deleteSignal);
  });

  it('exports several resources with all four logs under one scope slug', async () => {
    const bucket = await createTestBucket();
    const all: AuditLogType[] = ['activity', 'data_access', 'system_event', 'policy'];
    const handle = await startExport(env, configFor(logging, bucket, [PROJECT, FOLDER], { logTypes: all, maxEventsPerFile: 500 }));
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    const exported = await readExport(bucket, PREFIX);
    expectExactlyOnce(exported, ids(logging.store.all([PROJECT, FOLDER])));
    expect(exported.names[0]).toMatch(new RegExp(`^${PREFIX}gcp-2-resources-[0-9a-f]{8}-audit-logs-1-500\\.jsonl$`));
    await handle.signal(deleteSignal);
  });

  it('without history starts at creation, then exports new and late entries exactly once', async () => {
    const project = 'projects/acme-staging-1mv8c5';
    const bucket = await createTestBucket();
    const rand = mulberry32(5);
    const at = (secondsBefore: number, type: AuditLogType = 'system_event') =>
      buildEntries(rand, type, { resourceName: project, nanos: nanosOf(Date.now() - secondsBefore * 1000) });
    const config = configFor(logging, bucket, [project], { includeHistorical: false, createdAt: secondsAgo(60) });
    logging.store.add(at(120), { visibleAt: 0 });
    const handle = await startExport(env, config);
    const first = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    expect(first.totals).toEqual({ events: 0, files: 0 });

    const fresh = [...at(30), ...at(25, 'policy'), ...at(20)];
    logging.store.add(fresh);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.totals.events === 3 && s.lastRun?.outcome === 'completed');

    // Late: its timestamp is before the last run, Cloud Logging shows it only now (minutes later, in production).
    const late = at(45);
    logging.store.add(late);
    // And one the API returns twice.
    logging.store.add(fresh.slice(0, 1));
    await handle.signal(runNowSignal);
    const done = await waitForStatus(handle, (s) => s.totals.events === 4 && s.lastRun?.outcome === 'completed');
    expect(done.totals.files).toBe(2);
    const exported = await readExport(bucket, PREFIX);
    expectExactlyOnce(exported, ids([...fresh, ...late]));
    expect(exported.names).toEqual([
      `${PREFIX}gcp-projects-acme-staging-1mv8c5-audit-logs-1-3.jsonl`,
      `${PREFIX}gcp-projects-acme-staging-1mv8c5-audit-logs-4-4.jsonl`,
    ]);
    await handle.signal(deleteSignal);
  });

  it('paces under the quota, backs off on 429 and reads through empty pages with a token', async () => {
    const project = 'projects/acme-quota-7hq2w1';
    const quota = await fakeLogging({ quotaPerMinute: 3, quotaWindowMs: 1_000, searchWindowMs: 60_000 });
    quota.store.generate(project, { calls: 150, start: '2026-06-01T00:00:00Z', seed: 21 });
    quota.store.generate(project, { calls: 150, start: '2026-06-01T06:00:00Z', seed: 22 });
    quota.store.generate(project, { calls: 150, start: '2026-06-02T00:00:00Z', seed: 23 });
    quota.emptyPagesNext(3);
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(quota, bucket, [project], { maxEventsPerFile: 100 }));
    const done = await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed', 180_000);
    expect(done.status).toBe('active');
    expectExactlyOnce(await readExport(bucket, PREFIX), ids(selected(quota.store.all([project]))));
    expect(quota.stats.rateLimited).toBeGreaterThan(0);
    expect(quota.stats.emptyPagesWithToken).toBeGreaterThan(3);
    expect(quota.stats.peakPerWindow).toBeLessThanOrEqual(3);
    // Backing off, not storming: far fewer refusals than reads.
    expect(quota.stats.rateLimited).toBeLessThan(quota.stats.listRequests);
    await handle.signal(deleteSignal);
  });

  it('pauses and resumes a backfill without losing or doubling an entry, and stops on delete', async () => {
    const project = 'projects/acme-pause-3kw8d2';
    logging.store.generate(project, { calls: 2_500, start: '2026-07-01T00:00:00Z', perSecond: 10, seed: 31 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(logging, bucket, [project], { maxEventsPerFile: 100 }));
    await waitForStatus(handle, (s) => s.totals.events > 0);
    await handle.signal(pauseSignal);
    const paused = await waitForStatus(handle, (s) => s.status === 'paused');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const still = await waitForStatus(handle, (s) => s.status === 'paused');
    expect(still.totals.events).toBe(paused.totals.events);
    expect(still.totals.events).toBeLessThan(selected(logging.store.all([project])).length);
    await handle.signal(resumeSignal);
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed' && s.status === 'active', 180_000);
    expectExactlyOnce(await readExport(bucket, PREFIX), ids(selected(logging.store.all([project]))));
    await handle.signal(deleteSignal);
    await waitForStatus(handle, (s) => s.status === 'deleted');
  });

  it('without roles/logging.viewer: status error naming the role; once granted, the export recovers', async () => {
    const project = 'projects/acme-iam-9zt4k7';
    const iam = await fakeLogging({ iam: 'explicit' });
    iam.store.generate(project, { calls: 200, start: '2026-06-01T00:00:00Z', seed: 41 });
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(iam, bucket, [project]));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain('PERMISSION_DENIED');
    expect(failed.lastError?.message).toContain(`roles/logging.viewer on ${project}`);
    expect(failed.totals.events).toBe(0);

    iam.grant(`serviceAccount:${reader.email}`, project, VIEWER);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expectExactlyOnce(await readExport(bucket, PREFIX), ids(selected(iam.store.all([project]))));

    // Data Access logs need the private viewer role as well.
    const dataAccess = await createTestBucket();
    const second = await startExport(env, configFor(iam, dataAccess, [project], { logTypes: ['data_access'] }));
    const denied = await waitForStatus(second, (s) => s.status === 'error');
    expect(denied.lastError?.message).toContain('roles/logging.privateLogViewer');
    iam.grant(`serviceAccount:${reader.email}`, project, PRIVATE_LOG_VIEWER);
    await second.signal(runNowSignal);
    await waitForStatus(second, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expectExactlyOnce(await readExport(dataAccess, PREFIX), ids(selected(iam.store.all([project]), ['data_access'])));
    await Promise.all([handle.signal(deleteSignal), second.signal(deleteSignal)]);
  });

  it('with a disabled service-account key: status error naming the account, never the key; re-enabled, it recovers', async () => {
    const project = 'projects/acme-keys-5pq1x8';
    logging.store.generate(project, { calls: 100, start: '2026-06-01T00:00:00Z', seed: 51 });
    const disabled = gcp.createServiceAccountKey(serviceAccountEmail('disabled-reader'));
    gcp.setKeyEnabled(disabled.keyId, false);
    const bucket = await createTestBucket();
    const handle = await startExport(env, configFor(logging, bucket, [project], { key: disabled }));
    const failed = await waitForStatus(handle, (s) => s.status === 'error');
    expect(failed.lastError?.message).toContain(disabled.email);
    expect(failed.lastError?.message).not.toContain(disabled.privateKeyPem.slice(40, 80));
    gcp.setKeyEnabled(disabled.keyId, true);
    await handle.signal(runNowSignal);
    await waitForStatus(handle, (s) => s.status === 'active' && s.lastRun?.outcome === 'completed');
    expectExactlyOnce(await readExport(bucket, PREFIX), ids(selected(logging.store.all([project]))));
    await handle.signal(deleteSignal);
  });
});
