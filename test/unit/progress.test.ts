import { describe, expect, it } from 'vitest';
import { DedupeKeyer } from '../../activities/sources/dedupe-keyer';
import { nodeHash } from '../../activities/sources/mondoo/dedupe-key';
import type { MondooAuditNode, SourceEvent } from '../../activities/sources/mondoo/types';
import type { ExportProgress } from '../../workflows/definitions';
import { coveredSecond } from '../../contracts/batch';
import { advanceProgress, countRecentKeys, summarizeBatch } from '../../workflows/progress';

const node = (timestamp: string, msg = 'm'): MondooAuditNode => ({
  identity: { name: 'n', mrn: 'u' },
  resource: 'r',
  action: 'mondoo.x.Y.Z',
  timestamp,
  msg,
  ip: null,
  parent: null,
});
const event = (timestamp: string, key: string): SourceEvent => ({ key, node: node(timestamp) });
const start: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
const sec = (iso: string) => String(Date.parse(iso) / 1000);

describe('advanceProgress: the watermark moves only as far as is settled', () => {
  it('to the settled point when the pass reached the end of the log, dropping keys at or before it', () => {
    const next = advanceProgress(start, {
      events: [event('2025-01-01T00:00:01Z', 'a'), event('2025-01-01T00:00:05Z', 'b'), event('2025-01-01T00:10:00Z', 'c')],
      settledThrough: '2025-01-01T00:05:00Z',
      exhausted: true,
    });
    expect(next.watermark).toBe('2025-01-01T00:05:00Z');
    expect(next.recentKeys).toEqual({ [sec('2025-01-01T00:10:00Z')]: ['c'] });
    expect(next.nextSeq).toBe(4);
  });

  it('to one second before the last event when the batch was cut short (that second may continue)', () => {
    const next = advanceProgress(start, {
      events: [event('2025-01-01T00:00:01Z', 'a'), event('2025-01-01T00:00:03Z', 'b')],
      settledThrough: '2025-01-01T01:00:00Z',
      exhausted: false,
    });
    expect(next.watermark).toBe('2025-01-01T00:00:02Z');
    expect(next.recentKeys).toEqual({ [sec('2025-01-01T00:00:03Z')]: ['b'] });
  });

  it('never past the settled point, even for a cut-short batch', () => {
    const next = advanceProgress(start, {
      events: [event('2025-01-01T00:00:10Z', 'a'), event('2025-01-01T00:00:20Z', 'b')],
      settledThrough: '2025-01-01T00:00:05Z',
      exhausted: false,
    });
    expect(next.watermark).toBe('2025-01-01T00:00:05Z');
    expect(countRecentKeys(next)).toBe(2);
  });

  it('never backwards, and an empty exhausted pass only moves it to the settled point', () => {
    const at = { ...start, watermark: '2025-01-01T00:10:00Z', recentKeys: { [sec('2025-01-01T00:12:00Z')]: ['x'] } };
    expect(advanceProgress(at, { events: [], settledThrough: '2025-01-01T00:05:00Z', exhausted: true }).watermark).toBe('2025-01-01T00:10:00Z');
    const moved = advanceProgress(at, { events: [], settledThrough: '2025-01-01T00:15:00Z', exhausted: true });
    expect(moved.watermark).toBe('2025-01-01T00:15:00Z');
    expect(moved.recentKeys).toEqual({});
  });

  it('does not mutate its input (workflow state is replayed)', () => {
    const at = { ...start, recentKeys: { '1': ['k'] } };
    advanceProgress(at, { events: [event('1970-01-01T00:00:01Z', 'j')], settledThrough: '1970-01-01T00:00:00Z', exhausted: false });
    expect(at.recentKeys).toEqual({ '1': ['k'] });
  });
});

describe('summarizeBatch: the fetch summarizes, the workflow moves the same progress', () => {
  // Seeded, so a failure reproduces.
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const base = Date.parse('2025-01-01T00:00:00Z') / 1000;
  const iso = (second: number) => new Date(second * 1000).toISOString().replace('.000Z', 'Z');

  it('gives advanceProgress exactly what the events themselves give it, over 2000 random batches', () => {
    let progress: ExportProgress = start;
    let keptKeys = 0;
    for (let i = 0; i < 2000; i++) {
      const from = progress.watermark === null ? base : Date.parse(progress.watermark) / 1000 + Math.floor(random() * 3) - 1;
      let second = from;
      const events = Array.from({ length: Math.floor(random() * 6) }, (_, n) => {
        second += Math.floor(random() * 3); // several events per second, gaps too
        return event(iso(second), `k${i}.${n}`);
      });
      const batch = { events, settledThrough: iso(from + Math.floor(random() * 8) - 2), exhausted: random() < 0.3 };
      const summary = summarizeBatch(batch);
      expect(summary.count).toBe(events.length);
      expect(JSON.parse(JSON.stringify(summary))).toEqual(summary); // survives history as JSON
      const fromEvents = advanceProgress(progress, batch);
      expect(advanceProgress(progress, summary)).toEqual(fromEvents);
      // Only keys that can outlive the move are carried: none at or before the covered second.
      expect(Object.keys(summary.keysAfterCovered).every((s) => Number(s) > coveredSecond(summary))).toBe(true);
      progress = fromEvents;
      keptKeys += countRecentKeys(progress);
    }
    expect(keptKeys).toBeGreaterThan(1000); // the cases where keys outlive a batch were exercised
  });
});

describe('dedupe keys', () => {
  it('are stable for the same fields and differ for any changed field', () => {
    expect(nodeHash(node('2025-01-01T00:00:01Z'))).toBe(nodeHash(node('2025-01-01T00:00:01Z')));
    expect(nodeHash(node('2025-01-01T00:00:01Z', 'a'))).not.toBe(nodeHash(node('2025-01-01T00:00:01Z', 'b')));
    expect(nodeHash({ ...node('2025-01-01T00:00:01Z'), ip: '1.2.3.4' })).not.toBe(nodeHash(node('2025-01-01T00:00:01Z')));
  });

  it('number identical copies within a pass, so both real events are kept and re-reads match', () => {
    const twin = node('2025-01-01T00:00:01Z');
    const first = new DedupeKeyer(nodeHash);
    const keys = [first.keyFor(twin), first.keyFor(twin), first.keyFor(node('2025-01-01T00:00:02Z'))];
    expect(new Set(keys).size).toBe(3);
    expect(keys[1]).toBe(`${keys[0]}.1`);
    const again = new DedupeKeyer(nodeHash);
    expect([again.keyFor(twin), again.keyFor(twin)]).toEqual(keys.slice(0, 2));
  });
});
