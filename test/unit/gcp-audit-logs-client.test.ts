// The Cloud Logging client against the running fake: passes that read every entry once in order
// (duplicates, empty pages with a token), pacing under the quota, backing off on 429, and errors a
// person can act on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportError } from '../../activities/errors';
import { CloudLoggingClient, type CloudLoggingClientOptions } from '../../activities/sources/gcp-audit-logs/client';
import { RequestPacer } from '../../activities/sources/gcp-audit-logs/pacer';
import { passFilter, secondAfter, timestampKey, userFilterProblem, type PassRange } from '../../activities/sources/gcp-audit-logs/query';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { mulberry32 } from '../../sandbox/faults';
import {
  buildEntries,
  createFakeCloudLogging,
  nanosOf,
  PRIVATE_LOG_VIEWER,
  VIEWER,
  type FakeCloudLogging,
  type FakeCloudLoggingOptions,
} from '../../sandbox/gcp-logging';

const PROJECT = 'projects/my-project';
const EVERYTHING: PassRange = { from: null, until: '2100-01-01T00:00:00Z' };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(options: FakeCloudLoggingOptions = {}): Promise<FakeCloudLogging> {
  const fake = await createFakeCloudLogging(options);
  closers.push(() => fake.close());
  return fake;
}

function client(fake: { url: string; accessToken?: string }, options: Partial<CloudLoggingClientOptions> = {}) {
  return new CloudLoggingClient({
    endpoint: fake.url,
    resourceNames: [PROJECT],
    logTypes: ['activity', 'data_access', 'system_event', 'policy'],
    accessToken: async () => fake.accessToken ?? 'ya29.x',
    requestsPerMinute: 60_000,
    pacer: new RequestPacer(),
    ...options,
  });
}

async function readAll(c: CloudLoggingClient, range: PassRange = EVERYTHING) {
  const entries: GcpLogEntry[] = [];
  let pages = 0;
  let received = 0;
  for await (const page of c.ascendingPages(range)) {
    pages++;
    received += page.received;
    entries.push(...page.entries);
  }
  return { entries, pages, received };
}

async function rejects(promise: Promise<unknown>): Promise<ExportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

const key = (e: GcpLogEntry) => `${e.logName} ${e.timestamp} ${e.insertId}`;

describe('Cloud Logging client: passes', () => {
  it('reads every entry once, in order, through small pages, duplicates and empty pages with a token', async () => {
    const fake = await start({ searchWindowMs: 5_000 });
    fake.store.generate(PROJECT, { calls: 300, start: '2026-11-01T00:00:00Z', seed: 4 });
    fake.store.generate(PROJECT, { calls: 100, start: '2026-11-01T03:00:00Z', seed: 5 });
    const all = fake.store.all([PROJECT]);
    // Cloud Logging may return the same entry twice.
    fake.store.add([all[10]!, all[11]!, all[200]!], { visibleAt: 0 });
    fake.emptyPagesNext(2);
    const { entries, received } = await readAll(client(fake, { pageSize: 23 }));
    expect(entries.map(key)).toEqual(all.map(key));
    expect(received).toBe(all.length + 3);
    expect(fake.stats.emptyPagesWithToken).toBeGreaterThan(2);
    expect(fake.stats.maxPageSizeSeen).toBe(23);
  });

  it('reads only the window [from, until) and the selected logs, with the user filter ANDed', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 300, start: '2026-11-01T00:00:00Z' });
    const range = { from: '2026-11-01T00:00:10Z', until: '2026-11-01T00:00:40Z' };
    const c = client(fake, { logTypes: ['activity', 'policy'], filter: 'protoPayload.serviceName="storage.googleapis.com"' });
    const { entries } = await readAll(c, range);
    const expected = fake.store
      .all([PROJECT])
      .filter((e) => /%2F(activity|policy)$/.test(e.logName) && e.protoPayload?.serviceName === 'storage.googleapis.com')
      .filter((e) => timestampKey(e.timestamp)! >= timestampKey(range.from)! && timestampKey(e.timestamp)! < timestampKey(range.until)!);
    expect(expected.length).toBeGreaterThan(3);
    expect(entries.map(key)).toEqual(expected.map(key));
    expect(fake.stats.filters[0]).toBe(passFilter(['activity', 'policy'], range, 'protoPayload.serviceName="storage.googleapis.com"'));
  });

  it('drops entries a server returns outside the window or the selected logs', async () => {
    const inside = buildEntries(mulberry32(1), 'system_event', { resourceName: PROJECT, nanos: nanosOf('2026-11-01T00:00:05Z') })[0]!;
    const before = { ...inside, insertId: 'before', timestamp: '2026-11-01T00:00:00.999999999Z' };
    const otherLog = { ...inside, insertId: 'other-log', logName: 'projects/my-project/logs/syslog' };
    const otherProject = { ...inside, insertId: 'other-project', logName: 'projects/someone-else/logs/cloudaudit.googleapis.com%2Fsystem_event' };
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ entries: [before, inside, otherLog, otherProject] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { entries } = await readAll(client({ url }), { from: '2026-11-01T00:00:01Z', until: '2026-11-01T00:01:00Z' });
    expect(entries.map((e) => e.insertId)).toEqual([inside.insertId]);
  });
});

describe('Cloud Logging client: quota', () => {
  it('paces its requests per project', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 100, start: '2026-11-01T00:00:00Z' });
    const began = Date.now();
    const { pages } = await readAll(client(fake, { pageSize: 20, requestsPerMinute: 600 }));
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(Date.now() - began).toBeGreaterThanOrEqual((pages - 1) * 100 - 20);
  });

  it('shares the pace between clients of one project, as integrations in one worker do', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 60, start: '2026-11-01T00:00:00Z' });
    const pacer = new RequestPacer();
    const began = Date.now();
    const results = await Promise.all([1, 2].map(() => readAll(client(fake, { pageSize: 20, requestsPerMinute: 600, pacer }))));
    const requests = results.reduce((n, r) => n + r.pages, 0);
    expect(Date.now() - began).toBeGreaterThanOrEqual((requests - 1) * 100 - 20);
  });

  it('backs off on 429 RESOURCE_EXHAUSTED and still reads everything once, without a storm', async () => {
    const fake = await start({ quotaPerMinute: 4, quotaWindowMs: 1_000 });
    fake.store.generate(PROJECT, { calls: 200, start: '2026-11-01T00:00:00Z' });
    const { entries } = await readAll(
      client(fake, { pageSize: 20, requestsPerMinute: 60_000, backoffBaseMs: 250, maxBackoffMs: 1_000, rateLimitedAttempts: 10 }),
    );
    expect(entries.map(key)).toEqual(fake.store.all([PROJECT]).map(key));
    expect(fake.stats.rateLimited).toBeGreaterThan(0);
    // Each 429 holds the project off for longer: far fewer 429s than successful reads.
    expect(fake.stats.rateLimited).toBeLessThan(fake.stats.listRequests);
  });

  it('gives a persisting 429 to the activity retry as a retryable error with a delay', async () => {
    const fake = await start({ quotaPerMinute: 1, quotaWindowMs: 60_000 });
    fake.store.generate(PROJECT, { calls: 100, start: '2026-11-01T00:00:00Z' });
    const error = await rejects(readAll(client(fake, { pageSize: 10, backoffBaseMs: 50, rateLimitedAttempts: 2 })));
    expect(error).toMatchObject({ kind: 'SourceRateLimited', retryable: true });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.message).toContain('RESOURCE_EXHAUSTED');
  });

  it('does not wait for a slot past the deadline: a retryable error the fetch can stop on', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 100, start: '2026-11-01T00:00:00Z' });
    const deadline = Date.now() + 500;
    const error = await rejects(readAll(client(fake, { pageSize: 10, requestsPerMinute: 60, deadline: () => deadline })));
    expect(error).toMatchObject({ kind: 'SourceRateLimited', retryable: true });
    expect(Date.now()).toBeLessThan(deadline + 200);
  });
});

describe('Cloud Logging client: errors', () => {
  it('retries 5xx and dropped responses', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 50, start: '2026-11-01T00:00:00Z' });
    fake.faults.failNext('5xx', 2);
    fake.faults.failNext('drop-response', 1);
    const { entries } = await readAll(client(fake));
    expect(entries).toHaveLength(fake.store.all([PROJECT]).length);
  });

  it('turns 403 into a non-retryable error naming roles/logging.viewer (and the private viewer role for Data Access)', async () => {
    const fake = await start({ iam: 'explicit' });
    const principal = 'serviceAccount:auditflow-reader@fake.iam.gserviceaccount.com';
    const adminOnly = await rejects(readAll(client(fake, { logTypes: ['activity', 'system_event', 'policy'] })));
    expect(adminOnly).toMatchObject({ kind: 'SourceScope', retryable: false });
    expect(adminOnly.message).toContain('PERMISSION_DENIED');
    expect(adminOnly.message).toContain(`roles/logging.viewer on ${PROJECT}`);
    fake.grant(principal, PROJECT, VIEWER);
    await readAll(client(fake, { logTypes: ['activity'] }));
    const dataAccess = await rejects(readAll(client(fake, { logTypes: ['data_access'] })));
    expect(dataAccess.message).toContain('logging.privateLogEntries.list');
    expect(dataAccess.message).toContain('roles/logging.privateLogViewer');
    fake.grant(principal, PROJECT, PRIVATE_LOG_VIEWER);
    await readAll(client(fake, { logTypes: ['data_access'] }));
  });

  it('turns 401 into a non-retryable SourceAuth error that quotes no token', async () => {
    const fake = await start();
    const error = await rejects(readAll(client(fake, { accessToken: async () => 'ya29.revoked-token-value' })));
    expect(error).toMatchObject({ kind: 'SourceAuth', retryable: false });
    expect(error.message).toContain('UNAUTHENTICATED');
    expect(error.message).not.toContain('ya29.revoked-token-value');
  });

  it('turns a rejected query into a non-retryable error about the filter', async () => {
    const fake = await start();
    const error = await rejects(readAll(client(fake, { filter: 'protoPayload.serviceName' })));
    expect(error).toMatchObject({ kind: 'SourceQueryFailed', retryable: false });
    expect(error.message).toContain('filter');
  });

  it('reports a credentials failure as a source error, keeping its message', async () => {
    const fake = await start();
    const refused = new ExportError('DestinationAuth', 'Google rejected the service-account key of x@p.iam.gserviceaccount.com (invalid_grant)', {
      retryable: false,
    });
    const error = await rejects(readAll(client(fake, { accessToken: () => Promise.reject(refused) })));
    expect(error).toMatchObject({ kind: 'SourceAuth', retryable: false, message: refused.message });
    const down = new ExportError('DestinationUnavailable', 'Getting a Google access token failed (HTTP 503); will retry.', { retryable: true });
    expect(await rejects(readAll(client(fake, { accessToken: () => Promise.reject(down), attemptsPerPage: 1 })))).toMatchObject({
      kind: 'SourceUnavailable',
      retryable: true,
    });
  });
});

describe('Cloud Logging query', () => {
  it('builds the query from the selected logs, the window and the user filter', () => {
    expect(passFilter(['activity', 'policy'], { from: '2026-11-01T00:00:06Z', until: '2026-11-01T00:10:00Z' }, ' severity>=ERROR ')).toBe(
      '(log_id("cloudaudit.googleapis.com/activity") OR log_id("cloudaudit.googleapis.com/policy")) AND timestamp>="2026-11-01T00:00:06Z" AND timestamp<"2026-11-01T00:10:00Z" AND (severity>=ERROR)',
    );
    expect(passFilter(['system_event'], { from: null, until: '2026-11-01T00:10:00Z' })).toBe(
      '(log_id("cloudaudit.googleapis.com/system_event")) AND timestamp>="1970-01-01T00:00:00Z" AND timestamp<"2026-11-01T00:10:00Z"',
    );
  });

  it('refuses user filters that could widen the window', () => {
    expect(userFilterProblem('protoPayload.serviceName="iam.googleapis.com"')).toBeUndefined();
    expect(userFilterProblem('a="(" AND (b="x\\")" OR c)')).toBeUndefined();
    expect(userFilterProblem('a) OR (b')).toMatch(/without its "\("/);
    expect(userFilterProblem('(a')).toMatch(/without its "\)"/);
    expect(userFilterProblem('a="x')).toMatch(/closing quote/);
    expect(userFilterProblem('x'.repeat(4001))).toMatch(/at most 4000/);
  });

  it('starts a pass at the second after the watermark, and keys timestamps to the nanosecond', () => {
    expect(secondAfter('2026-11-01T00:00:05Z')).toBe('2026-11-01T00:00:06Z');
    expect(timestampKey('2026-11-01T00:00:05.1Z')).toBe('2026-11-01T00:00:05.100000000Z');
    expect(timestampKey('2026-11-01T01:00:05.123456789+01:00')).toBe('2026-11-01T00:00:05.123456789Z');
    expect(timestampKey('2026-11-01T00:00:05Z')! < timestampKey('2026-11-01T00:00:05.000000001Z')!).toBe(true);
    expect(timestampKey('yesterday')).toBeUndefined();
  });
});

describe('Cloud Logging request pacer', () => {
  it('spaces requests per resource, holds off after a 429, and ticks through a long wait', async () => {
    const pacer = new RequestPacer(Date.now, 40);
    const began = Date.now();
    await pacer.acquire(['p'], 100, Infinity);
    await pacer.acquire(['q'], 100, Infinity);
    expect(Date.now() - began).toBeLessThan(50);
    await pacer.acquire(['p'], 100, Infinity);
    expect(Date.now() - began).toBeGreaterThanOrEqual(95);
    pacer.holdOff(['p'], 250);
    let ticks = 0;
    const held = Date.now();
    await pacer.acquire(['p', 'q'], 100, Infinity, undefined, () => ticks++);
    expect(Date.now() - held).toBeGreaterThanOrEqual(240);
    expect(ticks).toBeGreaterThanOrEqual(4);
    await expect(pacer.acquire(['p'], 100, Date.now() + 10)).rejects.toMatchObject({ kind: 'SourceRateLimited', retryable: true });
  });
});
