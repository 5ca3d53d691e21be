// The Mondoo OCSF line written directly (activities/sources/mondoo/ocsf-line.ts, the map activity's fast
// path) must be byte for byte the JSON of the object mapper, which the OCSF tests check field by field:
// on random nodes with every odd value the API can send, and on the fake's generated history.
import { describe, expect, it } from 'vitest';
import { mapToOcsfFiles } from '../../activities/map';
import { decodeFileContent, compressEvents } from '../../activities/compression';
import { MAPPED_MONDOO_ACTIONS } from '../../activities/sources/mondoo/action-classes';
import { mondooOcsfLine } from '../../activities/sources/mondoo/ocsf-line';
import { mapMondooEventToOcsf } from '../../activities/sources/mondoo/to-ocsf';
import type { SourceEvent as MondooSourceEvent } from '../../activities/sources/mondoo/types';
import { sourceEvents } from '../../bench/source-records';
import { createNodeGenerator } from '../ocsf/random-mondoo-nodes';

const ctx = { scopeMrn: '//captain.api.mondoo.app/organizations/mondoo-organization-1' };

describe('the Mondoo OCSF line', () => {
  it('is JSON.stringify of the mapped event for random nodes, odd values included', () => {
    const generate = createNodeGenerator(7_311, MAPPED_MONDOO_ACTIONS);
    for (let i = 0; i < 20_000; i++) {
      const { event } = generate();
      let expected: string;
      try {
        expected = JSON.stringify(mapMondooEventToOcsf(event, ctx));
      } catch (error) {
        // A node the mapper refuses (a timestamp that is not RFC 3339) is refused the same way.
        expect(() => mondooOcsfLine(event, ctx)).toThrow((error as Error).message);
        continue;
      }
      const { line, time } = mondooOcsfLine(event, ctx);
      expect(line, JSON.stringify(event)).toBe(expected);
      expect(time).toBe(JSON.parse(expected).time);
    }
  });

  it('is JSON.stringify of the mapped event for the fake generated history', () => {
    for (const event of sourceEvents('mondoo', 5_000, 3) as MondooSourceEvent[])
      expect(mondooOcsfLine(event, ctx).line).toBe(JSON.stringify(mapMondooEventToOcsf(event, ctx)));
  });

  it('is what the map activity writes', () => {
    const events = sourceEvents('mondoo', 50, 4) as MondooSourceEvent[];
    const { files } = mapToOcsfFiles({
      ...compressEvents(events),
      source: { type: 'mondoo', scopeId: ctx.scopeMrn },
      maxEventsPerFile: 100,
      maxBytesPerFile: 1 << 20,
    });
    expect(decodeFileContent(files[0]!).toString('utf8')).toBe(events.map((event) => `${JSON.stringify(mapMondooEventToOcsf(event, ctx))}\n`).join(''));
  });
});
