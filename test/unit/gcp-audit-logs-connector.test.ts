// The Cloud Audit Logs connector over the fake: passes start at the second after the watermark, the
// dedupe hash is the entry's identity, and no credential is sent where none may go.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gcpAuditLogsSource } from '../../activities/sources/gcp-audit-logs/connector';
import { REQUESTS_PER_MINUTE_VAR } from '../../activities/sources/gcp-audit-logs/pacer';
import { gcpAuditLogsSourceSchema } from '../../activities/sources/gcp-audit-logs/schema';
import { timestampKey } from '../../activities/sources/gcp-audit-logs/query';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { createFakeCloudLogging, type FakeCloudLogging } from '../../sandbox/gcp-logging';

const PROJECT = 'projects/acme-unit-7x2k9q';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  vi.unstubAllEnvs();
});

async function start(requireAuth = false): Promise<{ fake: FakeCloudLogging; authorizations: Array<string | undefined> }> {
  const authorizations: Array<string | undefined> = [];
  const fake = await createFakeCloudLogging({
    requireAuth,
    principalOf: (token) => {
      authorizations.push(token);
      return 'serviceAccount:anyone@fake.iam.gserviceaccount.com';
    },
  });
  closers.push(() => fake.close());
  vi.stubEnv(REQUESTS_PER_MINUTE_VAR, '60000');
  return { fake, authorizations };
}

const read = async (fake: FakeCloudLogging, after: string | null) => {
  const config = gcpAuditLogsSourceSchema.parse({ type: 'gcp-audit-logs', resourceNames: [PROJECT], endpoint: fake.url });
  const entries: GcpLogEntry[] = [];
  for await (const page of gcpAuditLogsSource.pagesAfter(config, after, { deadline: () => Infinity, beforeRequest: () => undefined }))
    entries.push(...page.records);
  return entries;
};

describe('Cloud Audit Logs connector', () => {
  it('reads from the second after the watermark: the watermark covers its whole second', async () => {
    const { fake } = await start();
    fake.store.generate(PROJECT, { calls: 200, start: '2026-11-01T00:00:00Z', perSecond: 20, logTypes: ['activity', 'system_event'] });
    const all = await read(fake, null);
    expect(all.length).toBe(fake.store.all([PROJECT]).length);
    const after = await read(fake, '2026-11-01T00:00:05Z');
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => timestampKey(e.timestamp)! >= '2026-11-01T00:00:06.000000000Z')).toBe(true);
    expect(after.map((e) => e.insertId)).toEqual(all.filter((e) => e.timestamp >= '2026-11-01T00:00:06').map((e) => e.insertId));
  });

  it('sends no credential to an endpoint without configured credentials that the operator does not trust', async () => {
    const { fake, authorizations } = await start();
    fake.store.generate(PROJECT, { calls: 10, start: '2026-11-01T00:00:00Z' });
    await read(fake, null);
    expect(authorizations).toEqual([]);
    expect(fake.stats.listRequests).toBe(1);
    // Where the API wants credentials, the error says why none were sent and what to do.
    const strict = await start(true);
    await expect(read(strict.fake, null)).rejects.toMatchObject({
      kind: 'SourceAuth',
      retryable: false,
      message: expect.stringContaining('AUDITFLOW_GCS_TRUSTED_ENDPOINTS'),
    });
  });

  it('hashes the identity (logName, timestamp, insertId), however the timestamp is written', () => {
    const entry = { logName: `${PROJECT}/logs/cloudaudit.googleapis.com%2Factivity`, timestamp: '2026-11-01T00:00:05.1Z', insertId: 'abc' };
    const hash = gcpAuditLogsSource.contentHash(entry);
    expect(gcpAuditLogsSource.contentHash({ ...entry, timestamp: '2026-11-01T00:00:05.100000000Z', severity: 'ERROR' })).toBe(hash);
    expect(gcpAuditLogsSource.contentHash({ ...entry, insertId: 'abd' })).not.toBe(hash);
    expect(gcpAuditLogsSource.contentHash({ ...entry, logName: `${PROJECT}/logs/cloudaudit.googleapis.com%2Fpolicy` })).not.toBe(hash);
  });

  it('probes with one small page, and names the role when the principal may not read', async () => {
    const { fake } = await start();
    const config = gcpAuditLogsSourceSchema.parse({ type: 'gcp-audit-logs', resourceNames: [PROJECT], endpoint: fake.url });
    await gcpAuditLogsSource.probe(config);
    expect(fake.stats.maxPageSizeSeen).toBe(1);
    fake.iam = 'explicit';
    await expect(gcpAuditLogsSource.probe(config)).rejects.toMatchObject({
      kind: 'SourceScope',
      retryable: false,
      message: expect.stringContaining('roles/logging.viewer'),
    });
  });
});
