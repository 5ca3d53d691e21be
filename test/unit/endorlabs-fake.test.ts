// The fake Endor Labs API against its contract, through plain fetch: what any client will see.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeEndorLabs, formatMicros, loginRecord, operationRecord, type FakeEndorLabs, type FakeEndorLabsOptions } from '../../sandbox/endorlabs';

const NS = 'acme.prod';
const fakes: FakeEndorLabs[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(options: FakeEndorLabsOptions = {}) {
  const fake = await createFakeEndorLabs(options);
  fakes.push(fake);
  return fake;
}

async function token(fake: FakeEndorLabs, key = fake.apiKey, secret = fake.apiSecret) {
  const res = await fetch(`${fake.url}/v1/auth/api-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, secret }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; expirationTime?: string; code?: number; message?: string } };
}

type ListBody = {
  list?: { objects: Array<{ uuid: string; meta: { create_time: string } }>; response: { next_page_token?: number } };
  code?: number;
  message?: string;
};
async function list(fake: FakeEndorLabs, bearer: string, params: Record<string, string> = {}, namespace = NS) {
  const query = new URLSearchParams({ 'list_parameters.sort.path': 'meta.create_time', 'list_parameters.sort.order': 'SORT_ENTRY_ORDER_ASC', ...params });
  const res = await fetch(`${fake.url}/v1/namespaces/${namespace}/audit-logs?${query}`, { headers: { authorization: `Bearer ${bearer}` }, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => ({}))) as ListBody };
}

const ago = (ms: number) => new Date(Date.now() - ms);

describe('fake Endor Labs: authentication', () => {
  it('exchanges key and secret for a bearer token with an expiry; a wrong secret or a disabled key is a 401', async () => {
    const fake = await start({ tokenTtlMs: 60_000 });
    const ok = await token(fake);
    expect(ok.status).toBe(200);
    expect(ok.body.token).toMatch(/^endor-/);
    expect(Date.parse(ok.body.expirationTime!) - Date.now()).toBeGreaterThan(55_000);
    expect((await token(fake, fake.apiKey, 'wrong')).status).toBe(401);
    fake.keyEnabled = false;
    expect((await token(fake)).body).toMatchObject({ code: 16 });
    expect((await list(fake, ok.body.token!)).status).toBe(401);
  });

  it('rejects an expired token with 401 and counts it', async () => {
    let now = Date.now();
    const fake = await start({ tokenTtlMs: 1_000, now: () => now });
    const { body } = await token(fake);
    expect((await list(fake, body.token!)).status).toBe(200);
    now += 1_000;
    const expired = await list(fake, body.token!);
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);
    expect(fake.stats.expiredTokenRejections).toBe(1);
  });

  it('answers 403 for a namespace the key may not read', async () => {
    const fake = await start({ allowedNamespaces: ['other'] });
    const { body } = await token(fake);
    expect((await list(fake, body.token!)).status).toBe(403);
  });
});

describe('fake Endor Labs: listing audit logs', () => {
  it('pages ascending by create_time with integer offsets, 100 by default, clamped at 500, no token on the last page', async () => {
    const fake = await start();
    fake.store.generate(NS, { count: 1_234, start: ago(86_400_000), perSecond: 5, seed: 3 });
    const { body: auth } = await token(fake);
    const first = await list(fake, auth.token!);
    expect(first.body.list!.objects).toHaveLength(100);
    expect(first.body.list!.response.next_page_token).toBe(100);
    const big = await list(fake, auth.token!, { 'list_parameters.page_size': '5000' });
    expect(big.body.list!.objects).toHaveLength(500);
    expect(fake.stats.maxPageSizeSeen).toBe(5000);

    const seen: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: ListBody = (await list(fake, auth.token!, { 'list_parameters.page_size': '500', 'list_parameters.page_token': String(offset) })).body;
      seen.push(...page.list!.objects.map((o) => o.meta.create_time));
      offset = page.list!.response.next_page_token;
    }
    expect(seen).toHaveLength(1_234);
    expect([...seen].sort()).toEqual(seen);
    expect(seen[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('filters on meta.create_time with date(…), and rejects a filter it cannot parse', async () => {
    const fake = await start();
    const base = Date.now() - 3_600_000;
    const t = (s: number) => formatMicros((base + s * 1000) * 1000 + 250);
    fake.store.add([
      loginRecord(t(0), { namespace: NS }),
      operationRecord(t(1), 'OPERATION_CREATE', { namespace: NS }),
      operationRecord(t(2), 'OPERATION_DELETE', { namespace: NS }),
    ]);
    const { body: auth } = await token(fake);
    const from = new Date(Date.parse(t(1))).toISOString();
    const to = new Date(Date.parse(t(2))).toISOString();
    const window = await list(fake, auth.token!, { 'list_parameters.filter': `meta.create_time>=date(${from}) and meta.create_time<date(${to})` });
    // t(1) has 250 µs past `from` (ms precision), t(2) too past `to`: only t(1) is inside.
    expect(window.body.list!.objects.map((o) => o.meta.create_time)).toEqual([t(1)]);
    const bad = await list(fake, auth.token!, { 'list_parameters.filter': 'spec.operation==OPERATION_CREATE' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(3);
  });

  it('shifts offsets when a row is inserted during a scan, and hides rows until visible and after 30 days', async () => {
    const fake = await start();
    fake.store.generate(NS, { count: 300, start: ago(3_600_000), perSecond: 5, seed: 9 });
    fake.store.add([loginRecord(formatMicros(ago(40 * 86_400_000).getTime() * 1000), { namespace: NS, uuid: 'expired' })]);
    const { body: auth } = await token(fake);
    const first = await list(fake, auth.token!, { 'list_parameters.page_size': '100' });
    const lastOfFirst = first.body.list!.objects.at(-1)!;
    // A late row, older than everything read so far: every later row moves down by one.
    fake.store.add([loginRecord(formatMicros(ago(7_200_000).getTime() * 1000), { namespace: NS, uuid: 'late' })]);
    const second = await list(fake, auth.token!, { 'list_parameters.page_size': '100', 'list_parameters.page_token': '100' });
    expect(second.body.list!.objects[0]!.uuid).toBe(lastOfFirst.uuid);
    fake.store.add([loginRecord(formatMicros(ago(1_000).getTime() * 1000), { namespace: NS, uuid: 'invisible' })], { visibleAt: Date.now() + 60_000 });
    const all = fake.store.all(NS).map((r) => r.uuid);
    expect(all).toContain('late');
    expect(all).not.toContain('expired');
    expect(all).not.toContain('invisible');
  });

  it('answers 429 with Retry-After as delta-seconds or as an HTTP date, and injected 5xx', async () => {
    const seconds = await start({ faults: { retryAfterSeconds: 3 } });
    seconds.faults.failNext('429');
    const { body: auth } = await token(seconds).catch(() => ({ body: {} as { token?: string } }));
    expect(auth.token).toBeUndefined(); // the auth request itself got the 429
    const after = await token(seconds);
    seconds.faults.failNext('429');
    expect((await list(seconds, after.body.token!)).headers.get('retry-after')).toBe('3');

    const dated = await start({ faults: { retryAfterSeconds: 3 }, retryAfterFormat: 'http-date' });
    const { body } = await token(dated);
    dated.faults.failNext('429');
    const limited = await list(dated, body.token!);
    expect(limited.status).toBe(429);
    expect(Date.parse(limited.headers.get('retry-after')!)).toBeGreaterThan(Date.now());
    dated.faults.failNext('5xx');
    expect((await list(dated, body.token!)).status).toBeGreaterThanOrEqual(500);
  });
});
