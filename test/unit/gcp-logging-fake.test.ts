// The fake Cloud Logging entries.list keeps the real contract: the query, ascending order with ties by
// insertId, page tokens, empty pages with a token, the per-project quota, IAM and Google's errors.
import { afterEach, describe, expect, it } from 'vitest';
import { passFilter } from '../../activities/sources/gcp-audit-logs/query';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { mulberry32 } from '../../sandbox/faults';
import {
  buildEntries,
  createFakeCloudLogging,
  matches,
  nanosOf,
  parseFilter,
  PRIVATE_LOG_VIEWER,
  VIEWER,
  type FakeCloudLogging,
  type FakeCloudLoggingOptions,
} from '../../sandbox/gcp-logging';

const PROJECT = 'projects/my-project';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(options: FakeCloudLoggingOptions = {}): Promise<FakeCloudLogging> {
  const fake = await createFakeCloudLogging(options);
  closers.push(() => fake.close());
  return fake;
}

async function list(fake: FakeCloudLogging, body: Record<string, unknown>, token = fake.accessToken) {
  const response = await fetch(`${fake.url}/v2/entries:list`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resourceNames: [PROJECT], orderBy: 'timestamp asc', ...body }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { entries?: GcpLogEntry[]; nextPageToken?: string; error?: { code: number; status: string; message: string } },
  };
}

async function readAll(fake: FakeCloudLogging, body: Record<string, unknown>) {
  const entries: GcpLogEntry[] = [];
  let pageToken: string | undefined;
  let empty = 0;
  do {
    const page = await list(fake, { ...body, pageToken });
    expect(page.status).toBe(200);
    if (!page.body.entries?.length) empty++;
    entries.push(...(page.body.entries ?? []));
    pageToken = page.body.nextPageToken;
  } while (pageToken);
  return { entries, empty };
}

const ALL_AUDIT = passFilter(['activity', 'data_access', 'system_event', 'policy'], { from: null, until: '2100-01-01T00:00:00Z' });

describe('fake Cloud Logging: query and order', () => {
  it('lists every entry once, ascending by timestamp with ties by insertId, across pages', async () => {
    const fake = await start();
    const written = fake.store.generate(PROJECT, { calls: 500, start: '2026-11-01T00:00:00Z', perSecond: 20 });
    const { entries } = await readAll(fake, { filter: ALL_AUDIT, pageSize: 37 });
    expect(entries).toHaveLength(written.length);
    expect(new Set(entries.map((e) => e.insertId)).size).toBe(written.length);
    for (let i = 1; i < entries.length; i++) {
      const [a, b] = [entries[i - 1]!, entries[i]!];
      expect(a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.insertId < b.insertId)).toBe(true);
    }
    // The generator writes ties in timestamp on purpose.
    expect(entries.some((e, i) => i > 0 && e.timestamp === entries[i - 1]!.timestamp)).toBe(true);
  });

  it('filters by log, timestamp window and an ANDed user query', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 400, start: '2026-11-01T00:00:00Z' });
    const filter = passFilter(['activity'], { from: '2026-11-01T00:00:10Z', until: '2026-11-01T00:01:00Z' }, 'protoPayload.serviceName="iam.googleapis.com"');
    const { entries } = await readAll(fake, { filter, pageSize: 1000 });
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.logName).toBe('projects/my-project/logs/cloudaudit.googleapis.com%2Factivity');
      expect(e.protoPayload?.serviceName).toBe('iam.googleapis.com');
      expect(e.timestamp >= '2026-11-01T00:00:10' && e.timestamp < '2026-11-01T00:01:00').toBe(true);
    }
    const expected = fake.store.all([PROJECT]).filter((e) => matches(parseFilter(filter), e));
    expect(entries.map((e) => e.insertId)).toEqual(expected.map((e) => e.insertId));
  });

  it('parses the query language subset: OR binds tighter than AND, NOT, has, comparisons', () => {
    const entry = buildEntries(mulberry32(3), 'activity', { resourceName: PROJECT, nanos: nanosOf('2026-11-01T00:00:00Z') })[0]!;
    const service = entry.protoPayload!.serviceName!;
    expect(matches(parseFilter(`protoPayload.serviceName="${service}"`), entry)).toBe(true);
    expect(matches(parseFilter(`protoPayload.serviceName="${service.toUpperCase()}"`), entry)).toBe(true);
    expect(matches(parseFilter(`NOT protoPayload.serviceName="${service}"`), entry)).toBe(false);
    expect(matches(parseFilter(`severity="NOTICE" OR severity="ERROR" AND log_id("cloudaudit.googleapis.com/activity")`), entry)).toBe(true);
    expect(matches(parseFilter(`log_id("cloudaudit.googleapis.com/data_access")`), entry)).toBe(false);
    expect(matches(parseFilter(`logName:"cloudaudit.googleapis.com%2Factivity"`), entry)).toBe(true);
    expect(matches(parseFilter(`timestamp>="2026-11-01T00:00:00Z" timestamp<"2026-11-01T00:00:01Z"`), entry)).toBe(true);
    expect(() => parseFilter('severity=("ERROR"')).toThrow(/Unparseable/);
    expect(() => parseFilter('"unterminated')).toThrow(/Unparseable/);
  });
});

describe('fake Cloud Logging: paging', () => {
  it('answers a gap in the log with pages that have no entries and a token', async () => {
    const fake = await start({ searchWindowMs: 60_000 });
    fake.store.generate(PROJECT, { calls: 20, start: '2026-11-01T00:00:00Z', seed: 1 });
    fake.store.generate(PROJECT, { calls: 20, start: '2026-11-01T05:00:00Z', seed: 2 });
    const { entries, empty } = await readAll(fake, { filter: ALL_AUDIT, pageSize: 1000 });
    expect(entries).toHaveLength(fake.store.all([PROJECT]).length);
    expect(empty).toBeGreaterThan(0);
    expect(fake.stats.emptyPagesWithToken).toBe(empty);
  });

  it('forces empty pages with a token on request, and the search then goes on where it was', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 50, start: '2026-11-01T00:00:00Z' });
    fake.emptyPagesNext(3);
    const first = await list(fake, { filter: ALL_AUDIT, pageSize: 10 });
    expect(first.body.entries).toBeUndefined();
    expect(first.body.nextPageToken).toBeTruthy();
    const { entries, empty } = await readAll(fake, { filter: ALL_AUDIT, pageSize: 10 });
    expect(empty).toBe(2);
    expect(entries).toHaveLength(fake.store.all([PROJECT]).length);
  });

  it('returns duplicates of the same entry, and hides late entries until they arrive', async () => {
    let now = Date.parse('2026-11-01T01:00:00Z');
    const fake = await start({ now: () => now });
    const [entry] = buildEntries(mulberry32(1), 'system_event', { resourceName: PROJECT, nanos: nanosOf('2026-11-01T00:30:00Z') });
    fake.store.add([entry!, entry!], { visibleAt: now });
    fake.store.add(buildEntries(mulberry32(2), 'system_event', { resourceName: PROJECT, nanos: nanosOf('2026-11-01T00:30:00Z') }), {
      visibleAt: now + 300_000,
    });
    expect((await readAll(fake, { filter: ALL_AUDIT })).entries.map((e) => e.insertId)).toEqual([entry!.insertId, entry!.insertId]);
    now += 300_000;
    expect((await readAll(fake, { filter: ALL_AUDIT })).entries).toHaveLength(3);
    expect(fake.store.all([PROJECT])).toHaveLength(2);
  });

  it('pages one project of several interleaved ones from a lower bound, late entries hidden, as a scan of the whole log would', async () => {
    // The fake walks from the page's position (a binary search) instead of filtering the whole log per request.
    let now = Date.parse('2026-11-01T02:00:00Z');
    const fake = await start({ now: () => now, searchWindowMs: 60_000 });
    const others = ['projects/other-a', 'projects/other-b'];
    for (const [i, name] of [PROJECT, ...others].entries()) fake.store.generate(name, { calls: 300, start: '2026-11-01T00:00:00Z', perSecond: 2, seed: i + 1 });
    // A later stretch after a gap, and entries that arrive late inside the first stretch.
    fake.store.generate(PROJECT, { calls: 40, start: '2026-11-01T00:20:00Z', perSecond: 2, seed: 9 });
    fake.store.add(buildEntries(mulberry32(7), 'activity', { resourceName: PROJECT, nanos: nanosOf('2026-11-01T00:01:00Z') }), { visibleAt: now + 60_000 });
    const from = '2026-11-01T00:00:40Z';
    const filter = passFilter(['activity', 'data_access', 'system_event', 'policy'], { from, until: '2100-01-01T00:00:00Z' });
    const expected = () => fake.store.all([PROJECT]).filter((e) => matches(parseFilter(filter), e));
    const before = expected();
    expect(before.length).toBeGreaterThan(100);
    expect(before.length).toBeLessThan(fake.store.all([PROJECT]).length);
    const read = await readAll(fake, { filter, pageSize: 23 });
    expect(read.entries).toEqual(before);
    expect(read.empty).toBeGreaterThan(0);
    now += 60_000;
    expect((await readAll(fake, { filter, pageSize: 23 })).entries).toEqual(expected());
    expect(expected().length).toBeGreaterThan(before.length);
  });

  it('refuses a page token used with another query, a page size over 1000 and unknown resource names', async () => {
    const fake = await start();
    fake.store.generate(PROJECT, { calls: 50, start: '2026-11-01T00:00:00Z' });
    const page = await list(fake, { filter: ALL_AUDIT, pageSize: 10 });
    const other = await list(fake, { filter: `${ALL_AUDIT} AND severity="ERROR"`, pageSize: 10, pageToken: page.body.nextPageToken });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((await list(fake, { filter: ALL_AUDIT, pageSize: 1001 })).status).toBe(400);
    expect((await list(fake, { resourceNames: ['project/x'] })).status).toBe(400);
    expect((await list(fake, { filter: 'x'.repeat(20_001) })).status).toBe(400);
  });
});

describe('fake Cloud Logging: quota, authentication and IAM', () => {
  it('answers 429 RESOURCE_EXHAUSTED without Retry-After past the quota of a resource', async () => {
    const fake = await start({ quotaPerMinute: 5, quotaWindowMs: 1_000 });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await list(fake, { filter: ALL_AUDIT });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last!.body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(last!.headers.get('retry-after')).toBeNull();
    // Another project has its own quota; the window passes.
    expect((await list(fake, { resourceNames: ['projects/other-project'] })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await list(fake, { filter: ALL_AUDIT })).status).toBe(200);
  });

  it('answers 401 UNAUTHENTICATED to a missing or unknown token', async () => {
    const fake = await start();
    const response = await list(fake, {}, 'ya29.not-a-token');
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it('answers 403 PERMISSION_DENIED without roles/logging.viewer, and for Data Access without the private viewer role', async () => {
    const fake = await start({ iam: 'explicit' });
    const principal = 'serviceAccount:auditflow-reader@fake.iam.gserviceaccount.com';
    const adminOnly = passFilter(['activity'], { from: null, until: '2100-01-01T00:00:00Z' });
    const withDataAccess = passFilter(['activity', 'data_access'], { from: null, until: '2100-01-01T00:00:00Z' });
    const denied = await list(fake, { filter: adminOnly });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ status: 'PERMISSION_DENIED', message: expect.stringContaining('logging.logEntries.list') });
    fake.grant(principal, PROJECT, VIEWER);
    expect((await list(fake, { filter: adminOnly })).status).toBe(200);
    const privateDenied = await list(fake, { filter: withDataAccess });
    expect(privateDenied.status).toBe(403);
    expect(privateDenied.body.error!.message).toContain('logging.privateLogEntries.list');
    fake.grant(principal, PROJECT, PRIVATE_LOG_VIEWER);
    expect((await list(fake, { filter: withDataAccess })).status).toBe(200);
    fake.revoke(principal, PROJECT, VIEWER);
    expect((await list(fake, { filter: adminOnly })).status).toBe(403);
  });
});
