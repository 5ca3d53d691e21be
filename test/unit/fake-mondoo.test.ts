import { ClientError } from 'graphql-request';
import { afterEach, describe, expect, it } from 'vitest';
import { MONDOO_PLATFORM_MRN, type MondooAuditNode } from '../../activities/sources/mondoo/types';
import { FaultController, createFaultProxy } from '../../sandbox/faults';
import { type FakeMondoo, type FakeMondooOptions, createFakeMondoo, orgMrn, spaceMrn } from '../../sandbox/mondoo';
import { type AuditLogVariables, createAuditLogClient } from '../../sandbox/mondoo/client';

// The real client library (graphql-request) against the real running fake: what the exporter will see.
type Vars = AuditLogVariables;
const ASC = { direction: 'ASC', field: 'TIMESTAMP' } as const;

const ORG_A = 'org-a';
const ORG_B = 'org-b';
const TOPOLOGY = [
  { id: ORG_A, spaces: [{ id: 'space-a1' }, { id: 'space-a2' }] },
  { id: ORG_B, spaces: [{ id: 'space-b1' }] },
];
const T0 = Date.parse('2024-05-06T10:00:00Z');

const fakes: FakeMondoo[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all([...fakes.splice(0).map((f) => f.close()), ...closers.splice(0).map((c) => c())]);
});

async function start(options: FakeMondooOptions = {}) {
  const fake = await createFakeMondoo({ orgs: TOPOLOGY, ...options });
  fakes.push(fake);
  return { fake, ...createAuditLogClient(fake.url, fake.token) };
}

/** A node with a unique msg, so tests can follow individual events. */
const node = (timestamp: string, msg: string, parent: string | null = orgMrn(ORG_A)): MondooAuditNode => ({
  identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/jane' },
  resource: null,
  action: 'mondoo.captain.Captain.SetOrganizationMembership',
  timestamp,
  msg,
  ip: '10.0.0.1',
  parent,
});

async function clientErrorOf(promise: Promise<unknown>): Promise<ClientError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientError);
  return err as ClientError;
}
const codeOf = (err: ClientError) => err.response.errors?.[0]?.extensions?.code;

describe('fake Mondoo: HTTP and GraphQL contract', () => {
  it('answers a wrong or missing token with HTTP 401 and a JSON body', async () => {
    const { fake } = await start();
    const err = await clientErrorOf(createAuditLogClient(fake.url, 'nope').page({ resourceMrn: MONDOO_PLATFORM_MRN }));
    expect(err.response.status).toBe(401);
    expect(JSON.parse(err.response.body)).toHaveProperty('message');
    const missing = await fetch(fake.url, { method: 'POST', body: '{"query":"{__typename}"}' });
    expect(missing.status).toBe(401);
  });

  it('returns GraphQL errors as HTTP 200 with extensions.code', async () => {
    const { page, client } = await start();
    const cases: [Vars, string][] = [
      [{ resourceMrn: orgMrn('missing') }, 'NOT_FOUND'],
      [{ resourceMrn: spaceMrn('missing') }, 'NOT_FOUND'],
      [{ resourceMrn: orgMrn(ORG_A), first: 0 }, 'BAD_USER_INPUT'],
      [{ resourceMrn: orgMrn(ORG_A), timestampFilter: { timestamp: 'yesterday', operator: 'GT' } }, 'BAD_USER_INPUT'],
      [{ resourceMrn: orgMrn(ORG_A), orderBy: { direction: 'UP', field: 'TIMESTAMP' } as never }, 'BAD_USER_INPUT'],
    ];
    for (const [vars, code] of cases) {
      const err = await clientErrorOf(page(vars));
      expect(err.response.status).toBe(200);
      expect(codeOf(err), JSON.stringify(vars)).toBe(code);
    }
    const invalid = await clientErrorOf(client.request('{ auditlog(resourceMrn: "x") { nope } }'));
    expect([invalid.response.status, codeOf(invalid)]).toEqual([200, 'GRAPHQL_VALIDATION_FAILED']);

    const limited = await start({ allowedScopes: [orgMrn(ORG_B)] });
    expect((await limited.page({ resourceMrn: spaceMrn('space-b1') })).totalCount).toBe(0);
    expect(codeOf(await clientErrorOf(limited.page({ resourceMrn: orgMrn(ORG_A) })))).toBe('PERMISSION_DENIED');
  });

  it('orders DESC by default and ASC on request, by (second, insertion order)', async () => {
    const { fake, page } = await start();
    fake.store.add([node('2024-05-06T10:00:02Z', 'c'), node('2024-05-06T10:00:01Z', 'a'), node('2024-05-06T10:00:01Z', 'b')]);
    const desc = await page({ resourceMrn: orgMrn(ORG_A) });
    expect(desc.edges.map((e) => e.node.msg)).toEqual(['c', 'b', 'a']);
    const asc = await page({ resourceMrn: orgMrn(ORG_A), orderBy: ASC });
    expect(asc.edges.map((e) => e.node.msg)).toEqual(['a', 'b', 'c']);
    expect(asc.edges.map((e) => e.node)).toEqual(fake.store.all(orgMrn(ORG_A)));
  });

  it('defaults first to 25, caps it at 100, and pages without gaps', async () => {
    const { fake, page, pageAll } = await start();
    fake.store.add(Array.from({ length: 250 }, (_, k) => node(new Date(T0 + Math.floor(k / 7) * 1000).toISOString(), `e${k}`)));
    expect((await page({ resourceMrn: orgMrn(ORG_A) })).edges).toHaveLength(25);
    const capped = await page({ resourceMrn: orgMrn(ORG_A), first: 500 });
    expect([capped.edges.length, capped.totalCount, capped.pageInfo.hasNextPage]).toEqual([100, 250, true]);
    const all = await pageAll({ resourceMrn: orgMrn(ORG_A), first: 100, orderBy: ASC });
    expect(all.map((n) => n.msg)).toEqual(Array.from({ length: 250 }, (_, k) => `e${k}`));
  });

  it('filters strictly GT/LT at one-second precision, honouring offsets and truncating fractions', async () => {
    const { fake, page } = await start();
    fake.store.add(['10:00:00', '10:00:01', '10:00:01', '10:00:02'].map((t, k) => node(`2024-05-06T${t}Z`, `e${k}`)));
    const msgs = async (timestamp: string, operator: 'GT' | 'LT') => {
      const conn = await page({ resourceMrn: orgMrn(ORG_A), orderBy: ASC, timestampFilter: { timestamp, operator } });
      expect(conn.totalCount).toBe(conn.edges.length);
      return conn.edges.map((e) => e.node.msg);
    };
    expect(await msgs('2024-05-06T10:00:01Z', 'GT')).toEqual(['e3']);
    expect(await msgs('2024-05-06T13:00:01+03:00', 'GT')).toEqual(['e3']);
    expect(await msgs('2024-05-06T10:00:01.999Z', 'GT')).toEqual(['e3']);
    expect(await msgs('2024-05-06T10:00:01Z', 'LT')).toEqual(['e0']);
    expect(await msgs('2024-05-06T05:00:02-05:00', 'LT')).toEqual(['e0', 'e1', 'e2']);
  });
});

describe('fake Mondoo: scopes', () => {
  it('org sees its own and its spaces’ events, a space only its own, the platform everything', async () => {
    const { fake, pageAll } = await start();
    const leaves = [orgMrn(ORG_A), spaceMrn('space-a1'), spaceMrn('space-a2'), orgMrn(ORG_B), spaceMrn('space-b1')];
    leaves.forEach((mrn, k) => fake.store.add([node(`2024-05-06T10:00:0${k}Z`, mrn, mrn)]));
    const parents = async (mrn: string) => (await pageAll({ resourceMrn: mrn, orderBy: ASC })).map((n) => n.parent);
    expect(await parents(orgMrn(ORG_A))).toEqual(leaves.slice(0, 3));
    expect(await parents(spaceMrn('space-a2'))).toEqual([spaceMrn('space-a2')]);
    expect(await parents(orgMrn(ORG_B))).toEqual(leaves.slice(3));
    expect(await parents(MONDOO_PLATFORM_MRN)).toEqual(leaves);
  });

  it('spreads generated events over scopes consistently (counts add up, pages match ground truth)', async () => {
    const { fake, pageAll } = await start({ orgs: undefined, generated: { count: 20_000, seed: 42, perSecond: 5 } });
    const { topology, generated } = fake.store;
    // Ground truth straight from the per-event owner, independent of the O(1) counting machinery.
    const leafCounts = topology.leaves.map(() => 0);
    for (let i = 0; i < 20_000; i++) leafCounts[generated!.leafOf(i)]!++;
    for (const leaf of topology.leaves.filter((l) => l.space !== undefined)) expect(fake.store.count(leaf.mrn)).toBe(leafCounts[leaf.index]);
    for (const org of topology.orgIds) {
      const own = topology.leaves.filter((l) => l.org === org).reduce((sum, l) => sum + leafCounts[l.index]!, 0);
      expect(fake.store.count(orgMrn(org))).toBe(own);
    }
    expect(fake.store.count(MONDOO_PLATFORM_MRN)).toBe(20_000);
    const space = topology.leaves.find((l) => l.space !== undefined && leafCounts[l.index]! > 0)!;
    const nodes = await pageAll({ resourceMrn: space.mrn, first: 100 });
    expect(nodes).toEqual(fake.store.all(space.mrn).reverse());
    expect(nodes.every((n) => n.parent === null || n.parent === space.mrn)).toBe(true);

    // Realism: the data has what the exporter must cope with.
    const sample = fake.store.all(MONDOO_PLATFORM_MRN);
    const twins = sample.filter((n, k) => k > 0 && JSON.stringify(n) === JSON.stringify(sample[k - 1]));
    expect(twins.length).toBeGreaterThan(0);
    expect(sample.some((n) => n.identity === null)).toBe(true);
    expect(sample.some((n) => n.ip === null)).toBe(true);
    expect(sample.some((n) => (n.msg?.length ?? 0) > 2000)).toBe(true);
    expect(sample.some((n) => /[\u0080-\uffff]/.test(n.msg ?? ''))).toBe(true);
    expect(new Set(sample.map((n) => n.action)).size).toBeGreaterThan(15);
  });
});

describe('fake Mondoo: generated and added events together', () => {
  it('merges both on (second, internal id) for every scope, order and filter, matching a brute-force model', async () => {
    const { fake, pageAll } = await start({ orgs: undefined, generated: { count: 3000, start: T0, perSecond: 3, seed: 5 } });
    const { topology, generated } = fake.store;
    const seq = generated!;
    // Independent model: every event with its sort key and owner, sorted the slow, obvious way.
    const model = Array.from({ length: 3000 }, (_, i) => ({ ts: seq.timestampOf(i), id: i, leaf: seq.leafOf(i), node: seq.nodeAt(i) }));
    for (let k = 0; k < 200; k++) {
      const leaf = topology.leaves[(k * 7) % topology.leaves.length]!;
      const ts = T0 / 1000 + ((k * 131) % 1100) - 50; // some before, inside and after the generated range
      const [added] = fake.store.add([node(new Date(ts * 1000).toISOString(), `added${k}`, leaf.mrn)], { org: leaf.org, space: leaf.space });
      model.push({ ts, id: added!.id, leaf: leaf.index, node: added!.node });
    }
    model.sort((a, b) => a.ts - b.ts || a.id - b.id);
    const boundary = new Date(T0 + 500_000).toISOString();
    const scopes = [MONDOO_PLATFORM_MRN, orgMrn(topology.orgIds[0]!), topology.leaves.find((l) => l.space)!.mrn, orgMrn(topology.orgIds[3]!)];
    for (const resourceMrn of scopes) {
      const scope = topology.resolve(resourceMrn);
      for (const operator of [undefined, 'GT', 'LT'] as const) {
        const expected = model
          .filter((e) => scope.matches(e.leaf))
          .filter((e) => !operator || (operator === 'GT' ? e.ts > T0 / 1000 + 500 : e.ts < T0 / 1000 + 500))
          .map((e) => e.node);
        const timestampFilter = operator && { timestamp: boundary, operator };
        expect(await pageAll({ resourceMrn, first: 37, orderBy: ASC, timestampFilter }), `${resourceMrn} ${operator}`).toEqual(expected);
        expect(await pageAll({ resourceMrn, first: 100, timestampFilter })).toEqual(expected.reverse());
      }
    }
  });

  it('appends live events over time, some of them late', async () => {
    let now = T0;
    const { fake } = await start({ now: () => now });
    const stop = fake.startAppender({ everyMs: 5, perTick: 20, lateFraction: 0.5, lateMaxSeconds: 300 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop();
    const added = fake.store.addedCount;
    expect(added).toBeGreaterThan(0);
    expect(fake.store.count(MONDOO_PLATFORM_MRN)).toBeLessThan(added);
    now += 300_000;
    expect(fake.store.count(MONDOO_PLATFORM_MRN)).toBe(added);
  });
});

describe('fake Mondoo: cursors, late events, live inserts', () => {
  it('expires cursors after cursorTtlMs on the server clock and rejects cursors of other queries', async () => {
    let now = T0;
    const { fake, page } = await start({ cursorTtlMs: 1000, now: () => now });
    fake.store.add(Array.from({ length: 5 }, (_, k) => node('2024-05-06T09:00:00Z', `e${k}`)));
    const first = await page({ resourceMrn: orgMrn(ORG_A), first: 2 });
    now += 1000;
    expect((await page({ resourceMrn: orgMrn(ORG_A), first: 2, after: first.pageInfo.endCursor! })).edges).toHaveLength(2);
    expect(codeOf(await clientErrorOf(page({ resourceMrn: orgMrn(ORG_A), first: 2, orderBy: ASC, after: first.pageInfo.endCursor! })))).toBe('INVALID_CURSOR');
    expect(codeOf(await clientErrorOf(page({ resourceMrn: orgMrn(ORG_A), after: 'garbage' })))).toBe('INVALID_CURSOR');
    now += 1;
    const expired = await clientErrorOf(page({ resourceMrn: orgMrn(ORG_A), first: 2, after: first.pageInfo.endCursor! }));
    expect([expired.response.status, codeOf(expired)]).toEqual([200, 'CURSOR_EXPIRED']);
  });

  it('keeps pages stable when events are inserted mid-pass (keyset, not offset)', async () => {
    const { fake, page } = await start();
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    fake.store.add(Array.from({ length: 30 }, (_, k) => node(at(Math.floor(k / 3)), `old${k}`)));
    const seen: string[] = [];
    let conn = await page({ resourceMrn: orgMrn(ORG_A), first: 10, orderBy: ASC });
    seen.push(...conn.edges.map((e) => e.node.msg!));
    // Behind the cursor (invisible to this pass), in the cursor's own second (after it), and ahead.
    fake.store.add([node(at(0), 'behind'), node(at(3), 'same-second'), node(at(20), 'ahead')]);
    while (conn.pageInfo.hasNextPage) {
      conn = await page({ resourceMrn: orgMrn(ORG_A), first: 10, orderBy: ASC, after: conn.pageInfo.endCursor! });
      seen.push(...conn.edges.map((e) => e.node.msg!));
    }
    const old = Array.from({ length: 30 }, (_, k) => `old${k}`);
    expect(seen.filter((m) => m.startsWith('old'))).toEqual(old);
    expect(seen).toEqual([...old.slice(0, 12), 'same-second', ...old.slice(12), 'ahead']);
  });

  it('hides events until visibleAt (ingestion delay), including generated ones from the future', async () => {
    let now = T0;
    const { fake, page } = await start({ now: () => now, generated: { count: 100, start: T0 - 5000, perSecond: 10 } });
    fake.store.add([node('2024-05-06T09:59:00Z', 'late')], { visibleAt: T0 + 120_000 });
    const platform = { resourceMrn: MONDOO_PLATFORM_MRN, first: 100 };
    expect((await page(platform)).totalCount).toBe(60); // seconds -5..0 of the generated 10 s
    now = T0 + 120_000;
    const later = await page({ ...platform, orderBy: ASC });
    expect(later.totalCount).toBe(101);
    expect(later.edges[0]!.node.msg).toBe('late'); // late but old: it lands behind any cursor of a running pass
  });
});

describe('fake Mondoo: faults and rate limits', () => {
  it('injects queued 429 (with Retry-After), 5xx, timeouts and dropped responses, then recovers', async () => {
    const { fake, page } = await start({ faults: { retryAfterSeconds: 7, timeoutMs: 5_000 } });
    const vars = { resourceMrn: orgMrn(ORG_A) };
    fake.faults.failNext('429');
    const throttled = await clientErrorOf(page(vars));
    expect([throttled.response.status, throttled.response.headers.get('retry-after')]).toEqual([429, '7']);
    fake.faults.failNext('5xx', 2);
    for (let k = 0; k < 2; k++) expect([500, 502, 503]).toContain((await clientErrorOf(page(vars))).response.status);
    fake.faults.failNext('timeout');
    await expect(page(vars, AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i);
    fake.faults.failNext('drop-response');
    await expect(fetch(fake.url, { method: 'POST', headers: { authorization: `Bearer ${fake.token}` }, body: '{"query":"{__typename}"}' })).rejects.toThrow();
    expect((await page(vars)).totalCount).toBe(0);
    expect(fake.faults.injected).toEqual({ '429': 1, '5xx': 2, timeout: 1, 'drop-response': 1, trickle: 0 });
    expect(fake.requests).toBe(6);
  });

  it('draws random faults reproducibly from the seed', () => {
    const draw = () => {
      const faults = new FaultController({ rate: 0.3, kinds: ['5xx', '429', 'timeout'], seed: 99 });
      return Array.from({ length: 200 }, () => faults.next() ?? 'ok');
    };
    const run = draw();
    expect(run).toEqual(draw());
    expect(run.filter((k) => k !== 'ok').length).toBeGreaterThan(30);
    expect(run.filter((k) => k !== 'ok').length).toBeLessThan(90);
  });

  it('rate-limits with 429 and Retry-After', async () => {
    const { page } = await start({ rateLimit: { requestsPerSecond: 3 } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => page({ resourceMrn: orgMrn(ORG_A) })));
    const throttled = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ClientError);
    expect(throttled.length).toBeGreaterThanOrEqual(2); // 8 requests may straddle two one-second windows
    expect(throttled.every((e) => e.response.status === 429 && Number(e.response.headers.get('retry-after')) >= 1)).toBe(true);
  });

  it('fault proxy forwards to any HTTP server and injects the same faults', async () => {
    const { fake } = await start();
    fake.store.add([node('2024-05-06T10:00:00Z', 'through the proxy')]);
    const proxy = await createFaultProxy({ target: new URL(fake.url).origin, policy: { timeoutMs: 5_000 } });
    closers.push(proxy.close);
    const viaProxy = createAuditLogClient(`${proxy.url}/query`, fake.token);
    const request = (signal?: AbortSignal) => viaProxy.page({ resourceMrn: orgMrn(ORG_A) }, signal);
    expect((await request()).edges[0]!.node.msg).toBe('through the proxy');
    proxy.policy.failNext('429');
    expect((await clientErrorOf(request())).response.headers.get('retry-after')).toBe('1');
    proxy.policy.failNext('timeout');
    await expect(request(AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i);
    const before = fake.requests;
    proxy.policy.failNext('drop-response');
    await expect(request()).rejects.toThrow();
    expect(fake.requests).toBe(before + 1); // the upstream did the work; only the answer was lost
    expect((await request()).totalCount).toBe(1);
  });
});
