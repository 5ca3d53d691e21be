// Filters drop records in the fetch, before mapping: only matching records are exported, each once,
// and the watermark still moves past the ones dropped, also when a whole pass matches nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endorLabsFilter } from '../../activities/sources/endorlabs/filters';
import { decompressEvents } from '../../activities/compression';
import { fetchNewEvents } from '../../activities/fetch';
import { mondooFilter } from '../../activities/sources/mondoo/filters';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { DEFAULT_LIMITS, type ExportProgress } from '../../workflows/definitions';
import { advanceProgress, fetchInputFor } from '../../workflows/progress';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { expectedKeys } from '../helpers/export';

const ORG = 'acme-corp-2fjq8x1';
let fake: FakeMondoo;
beforeAll(async () => {
  fake = await createFakeMondoo({ generated: { count: 700, start: '2025-06-01T00:00:00Z', perSecond: 3, seed: 5 } });
});
afterAll(() => fake?.close());

const start = (): ExportProgress => ({ watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } });

/** Fetches batch after batch (each cut after one page by a 1 ms budget) until the pass is exhausted. */
async function exportAll(filters: Record<string, string[]> | undefined) {
  const source = { type: 'mondoo' as const, scopeMrn: orgMrn(ORG), endpoint: fake.url, token: fake.token };
  let progress = start();
  const keys: string[] = [];
  let fetches = 0;
  for (;;) {
    // The format the workflow asks for: the summary that moves the watermark comes with it.
    const batch = await fetchNewEvents(fetchInputFor(source, DEFAULT_LIMITS, progress, filters), { timeBudgetMs: 1 });
    if ('events' in batch || 'files' in batch) throw new Error('asked for the compressed format');
    fetches++;
    expect(fetches, 'the export ends').toBeLessThan(100);
    keys.push(...decompressEvents(batch).map((e) => e.key));
    const before = progress.watermark;
    progress = advanceProgress(progress, batch);
    if (batch.exhausted) return { keys, progress, fetches };
    expect(progress.watermark, 'a batch that read records moves the watermark').not.toBe(before);
  }
}

describe('filters in the fetch', () => {
  it('exports exactly the matching records, each once, keyed as without filters', async () => {
    const nodes = fake.store.all(orgMrn(ORG)) as MondooAuditNode[];
    const keys = expectedKeys(nodes);
    const action = nodes[0]!.action;
    const expected = keys.filter((_, i) => nodes[i]!.action === action);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(nodes.length);
    const { keys: exported } = await exportAll({ actions: [action] });
    expect(exported).toEqual(expected);
  });

  it('a filter nothing matches still moves the watermark page by page to the end of the log', async () => {
    const { keys, progress, fetches } = await exportAll({ actions: ['mondoo.nothing.Matches'] });
    expect(keys).toEqual([]);
    expect(fetches).toBeGreaterThan(2); // one page per fetch, and each one moved the watermark
    expect(progress.nextSeq).toBe(1);
    expect(Date.parse(progress.watermark!)).toBeGreaterThan(Date.now() - 3600_000); // settled up to now
  });
});

describe('filter matching', () => {
  const node = (action: string, mrn: string | null): MondooAuditNode => ({
    action,
    identity: mrn === null ? null : { name: 'n', mrn },
    resource: null,
    timestamp: '2026-01-01T00:00:00Z',
    msg: null,
    ip: null,
    parent: null,
  });

  it('Mondoo: actions AND identities, an absent list matching all, no identity matching no identity list', () => {
    const f = { actions: ['a.B'], identities: ['//u/1'] };
    expect(mondooFilter.matches(node('a.B', '//u/1'), f)).toBe(true);
    expect(mondooFilter.matches(node('a.B', '//u/2'), f)).toBe(false);
    expect(mondooFilter.matches(node('a.C', '//u/1'), f)).toBe(false);
    expect(mondooFilter.matches(node('a.B', null), f)).toBe(false);
    expect(mondooFilter.matches(node('a.B', null), { actions: ['a.B'] })).toBe(true);
    expect(mondooFilter.matches(node('x', '//u/9'), {})).toBe(true);
  });

  it('Endor Labs: operations AND messageKinds', () => {
    const record = (operation?: string, kind?: string) =>
      ({ uuid: 'u', tenant_meta: { namespace: 'n' }, meta: { create_time: '2026-01-01T00:00:00Z' }, spec: { operation, message_kind: kind } }) as EndorAuditLog;
    const f = { operations: ['OPERATION_DELETE'], messageKinds: ['Policy'] };
    expect(endorLabsFilter.matches(record('OPERATION_DELETE', 'Policy'), f)).toBe(true);
    expect(endorLabsFilter.matches(record('OPERATION_CREATE', 'Policy'), f)).toBe(false);
    expect(endorLabsFilter.matches(record('OPERATION_DELETE', undefined), f)).toBe(false);
    expect(endorLabsFilter.matches(record(undefined, 'Policy'), { messageKinds: ['Policy'] })).toBe(true);
  });
});
