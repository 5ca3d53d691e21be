// The Endor Labs client against the running fake: token cache and renewal, passes that survive shifting
// offsets, retries, and errors a person can act on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportError } from '../../activities/errors';
import { EndorLabsClient, passFilter, type EndorClientOptions } from '../../activities/sources/endorlabs/client';
import { parseRetryAfter } from '../../activities/sources/endorlabs/errors';
import { EndorTokenCache } from '../../activities/sources/endorlabs/token-cache';
import { createFakeEndorLabs, formatMicros, loginRecord, type FakeEndorLabs, type FakeEndorLabsOptions } from '../../sandbox/endorlabs';

const NS = 'acme';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(options: FakeEndorLabsOptions = {}): Promise<FakeEndorLabs> {
  const fake = await createFakeEndorLabs(options);
  closers.push(() => fake.close());
  return fake;
}

const isoSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const untilNow = () => isoSecond(Date.now() + 2_000);

function client(fake: FakeEndorLabs, options: Partial<EndorClientOptions> = {}) {
  return new EndorLabsClient({
    endpoint: fake.url,
    namespace: NS,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    tokenCache: new EndorTokenCache(),
    ...options,
  });
}

async function readAll(c: EndorLabsClient, from: string | null = null, until = untilNow()) {
  const uuids: string[] = [];
  const times: string[] = [];
  let pages = 0;
  for await (const page of c.ascendingPages({ from, until })) {
    pages++;
    for (const r of page.records) {
      uuids.push(r.uuid);
      times.push(r.meta.create_time);
    }
  }
  return { uuids, times, pages };
}

async function rejects(promise: Promise<unknown>): Promise<ExportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

describe('EndorLabsClient: passes', () => {
  it('reads a whole history in ascending order, each record once, with ties in create_time', async () => {
    const fake = await start();
    const history = fake.store.generate(NS, { count: 1_337, start: Date.now() - 2 * 86_400_000, perSecond: 20, seed: 5 });
    const { uuids, times, pages } = await readAll(client(fake, { pageSize: 100 }));
    expect(uuids).toEqual(history.map((r) => r.uuid));
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBeLessThan(times.length); // the history has ties, and they survived
    expect(pages).toBeGreaterThanOrEqual(14);
  });

  it('asks with the dotted list parameters and a create_time window', async () => {
    expect(passFilter('2026-01-01T00:00:01Z', '2026-01-02T00:00:00Z')).toBe(
      'meta.create_time>=date(2026-01-01T00:00:01Z) and meta.create_time<date(2026-01-02T00:00:00Z)',
    );
    expect(passFilter(null, '2026-01-02T00:00:00Z')).toBe('meta.create_time<date(2026-01-02T00:00:00Z)');
    const fake = await start();
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    fake.store.add([0, 1, 2, 3].map((s) => loginRecord(formatMicros((base + s * 1000) * 1000 + 500_000), { namespace: NS, uuid: `u${s}` })));
    const { uuids } = await readAll(client(fake), isoSecond(base + 1000), isoSecond(base + 3000));
    expect(uuids).toEqual(['u1', 'u2']);
  });

  it('neither skips nor repeats a record when rows are inserted before its offset during the pass', async () => {
    const fake = await start();
    const history = fake.store.generate(NS, { count: 600, start: Date.now() - 86_400_000, perSecond: 2, seed: 8 });
    const c = client(fake, { pageSize: 100 });
    const uuids: string[] = [];
    let k = 0;
    for await (const page of c.ascendingPages({ from: null, until: untilNow() })) {
      uuids.push(...page.records.map((r) => r.uuid));
      // Late rows land among what was read already: with offset paging every later row shifts.
      fake.store.add([0, 1, 2].map((n) => loginRecord(history[k * 100 + n * 10]!.meta.create_time, { namespace: NS, uuid: `late-${k}-${n}` })));
      k++;
    }
    const original = history.map((r) => r.uuid);
    expect(uuids.filter((u) => !u.startsWith('late-'))).toEqual(original);
    expect(new Set(uuids).size).toBe(uuids.length);
  });
  it('skips no live record when old rows age out of the 30-day retention during the pass (offsets shift back)', async () => {
    let now = Date.now();
    const fake = await start({ now: () => now });
    fake.store.generate(NS, { count: 600, start: now - 30 * 86_400_000 + 10_000, perSecond: 2, seed: 12 });
    const uuids: string[] = [];
    for await (const page of client(fake, { pageSize: 100 }).ascendingPages({ from: null, until: untilNow() })) {
      uuids.push(...page.records.map((r) => r.uuid));
      now += 30_000; // about 60 of the oldest rows expire per page
    }
    const live = fake.store.all(NS).map((r) => r.uuid);
    expect(live.length).toBeGreaterThan(100);
    expect(live.filter((u) => !uuids.includes(u))).toEqual([]);
  });
});

describe('EndorLabsClient: tokens', () => {
  it('authenticates once for many pages and passes, and renews shortly before expiry', async () => {
    let now = Date.now();
    const fake = await start({ tokenTtlMs: 10_000, now: () => now });
    fake.store.generate(NS, { count: 500, start: Date.now() - 3_600_000, seed: 2 });
    const cache = new EndorTokenCache(() => now);
    await readAll(client(fake, { pageSize: 100, tokenCache: cache }));
    await readAll(client(fake, { pageSize: 100, tokenCache: cache }));
    expect(fake.stats.tokensIssued).toBe(1);
    now += 9_100; // inside the last tenth of the lifetime: renewed before the server would refuse it
    await readAll(client(fake, { pageSize: 100, tokenCache: cache }));
    expect(fake.stats.tokensIssued).toBe(2);
    expect(fake.stats.expiredTokenRejections).toBe(0);
  });

  it('renews once on a 401 (a token that lapsed early) and carries on', async () => {
    let serverNow = Date.now();
    const fake = await start({ tokenTtlMs: 60_000, now: () => serverNow });
    fake.store.generate(NS, { count: 300, start: Date.now() - 3_600_000, seed: 4 });
    const cache = new EndorTokenCache(); // the client's clock does not move: only the server sees expiry
    const c = client(fake, { pageSize: 100, tokenCache: cache });
    const uuids: string[] = [];
    for await (const page of c.ascendingPages({ from: null, until: untilNow() })) {
      uuids.push(...page.records.map((r) => r.uuid));
      serverNow += 30_001; // the token expires mid-pass
    }
    expect(uuids).toHaveLength(300);
    expect(fake.stats.expiredTokenRejections).toBeGreaterThan(0);
    expect(fake.stats.tokensIssued).toBe(1 + fake.stats.expiredTokenRejections);
  });

  it('a wrong secret is a non-retryable SourceAuth error that names the fix and not the secret', async () => {
    const fake = await start();
    const error = await rejects(readAll(client(fake, { apiSecret: 'not-the-secret-42' })));
    expect(error).toMatchObject({ kind: 'SourceAuth', retryable: false });
    expect(error.message).toMatch(/rejected the API key and secret \(HTTP 401/);
    expect(error.message).toMatch(/API Keys/);
    expect(error.message).not.toContain('not-the-secret-42');
    expect(error.message).not.toContain(fake.apiKey);
  });

  it('a key disabled after a token was issued fails with SourceAuth after one renewal attempt', async () => {
    const fake = await start();
    fake.store.generate(NS, { count: 10, start: Date.now() - 3_600_000, seed: 4 });
    const cache = new EndorTokenCache();
    await readAll(client(fake, { tokenCache: cache }));
    fake.keyEnabled = false;
    const error = await rejects(readAll(client(fake, { tokenCache: cache })));
    expect(error).toMatchObject({ kind: 'SourceAuth', retryable: false });
    expect(fake.stats.tokensIssued).toBe(1);
  });

  it('a namespace the key may not read is a non-retryable SourceScope error', async () => {
    const fake = await start({ allowedNamespaces: ['elsewhere'] });
    const error = await rejects(readAll(client(fake)));
    expect(error).toMatchObject({ kind: 'SourceScope', retryable: false });
    expect(error.message).toMatch(/namespace "acme" \(HTTP 403/);
  });
});

describe('EndorLabsClient: faults and bounds', () => {
  it('waits out 429s (delta-seconds and HTTP date) and 5xx, then completes', async () => {
    for (const retryAfterFormat of ['seconds', 'http-date'] as const) {
      const fake = await start({ faults: { retryAfterSeconds: 1 }, retryAfterFormat });
      fake.store.generate(NS, { count: 250, start: Date.now() - 3_600_000, seed: 6 });
      fake.faults.failNext('429');
      fake.faults.failNext('5xx', 2);
      const started = Date.now();
      const { uuids } = await readAll(client(fake, { pageSize: 100 }));
      expect(uuids).toHaveLength(250);
      expect(Date.now() - started).toBeGreaterThanOrEqual(retryAfterFormat === 'seconds' ? 1_000 : 0);
      expect(fake.faults.injected).toMatchObject({ '429': 1, '5xx': 2 });
    }
  });

  it('gives a retryable error to the activity when the faults outlast its attempts', async () => {
    const fake = await start();
    fake.faults.failNext('5xx', 10);
    const error = await rejects(readAll(client(fake, { attemptsPerPage: 2 })));
    expect(error).toMatchObject({ kind: 'SourceUnavailable', retryable: true });
  });

  it('never follows a redirect: the credentials stay with the configured host', async () => {
    let hits = 0;
    const elsewhere = http.createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => elsewhere.close(() => resolve())));
    const fake = await start();
    fake.redirectTo = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    const error = await rejects(readAll(client(fake)));
    expect(error).toMatchObject({ kind: 'SourceRedirected', retryable: false });
    expect(error.message).toMatch(/the Endor Labs API answered HTTP 302, a redirect to http:\/\/127\.0\.0\.1:\d+\/steal/);
    expect(hits).toBe(0);
  });

  it('caps the response size: an oversized page is asked again smaller, and a page that cannot shrink is an error', async () => {
    const fake = await start();
    fake.store.generate(NS, { count: 200, start: Date.now() - 3_600_000, seed: 7 });
    const { uuids } = await readAll(client(fake, { pageSize: 200, maxResponseBytes: 40_000 }));
    expect(uuids).toHaveLength(200);
    expect(fake.stats.maxPageSizeSeen).toBe(200);
    const error = await rejects(readAll(client(fake, { pageSize: 200, maxResponseBytes: 500 })));
    expect(error).toMatchObject({ kind: 'SourceResponseTooLarge', retryable: false });
    expect(error.message).toMatch(/the Endor Labs API sent a response of .*more than the 500 bytes/);
  });

  it('reads Retry-After as delta-seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
