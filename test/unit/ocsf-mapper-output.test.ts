// The mappers' output, byte for byte, on a fixed sample: generated records of every source (the fakes'
// generators) and mutated copies of them that reach the edge paths (nulls, empty and huge strings,
// address lists, odd operations). A re-export must be byte-identical to the first export, so a change
// made for speed must not move a byte. The hashes were taken before the mappers were optimized
// (bench/RESULTS.md, "Mapping per source"); a deliberate change of the mapping updates them.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { endorAuditLogSchema } from '../../activities/sources/endorlabs/types';
import { logEntrySchema } from '../../activities/sources/gcp-audit-logs/types';
import { mondooAuditNodeSchema } from '../../activities/sources/mondoo/types';
import { sourceConnector } from '../../activities/sources/registry';
import { MAPPED_SOURCE_TYPES, mapSourceFor, sourceEvents, type MappedSourceType } from '../../bench/source-records';
import type { SourceEvent } from '../../contracts/activities';
import { validateOcsfEvent } from '../../lib/ocsf/validator';
import { mulberry32 } from '../../sandbox/faults';

const SAMPLE = 1500;

const EXPECTED: Record<MappedSourceType, string> = {
  mondoo: '625db6531642a9202dfdd525d4350ab2f44d7e8698625a59b1987c483cd83bbd',
  endorlabs: '8ef96966374251ded87d1043644fb05fdf343417be5d826867d67049031277d2',
  'gcp-audit-logs': '8a23ca2f0aeff7642f5fc6dbec904225ec2f840162a8f9fa90aaecc3b42eeb90',
};

/** Values a field may take that the generators never give. */
const ODD_STRINGS = [
  '',
  ' ',
  '203.0.113.9, 10.0.0.1, 192.0.2.1',
  '203.0.113.9,not-an-ip',
  '[2001:db8::1]:443',
  '198.51.100.7:70000',
  '198.51.100.7:8080',
  'fe80::1%eth0',
  'x'.repeat(20_000),
  'a@b.co',
  'zoë@exämple.com',
  'system',
  'system@google.com',
  'USER_LOGOUT',
  'SIGN_IN',
  'OPERATION_',
  'mondoo.captain.Captain.CreateSpace',
  'captain.Captain.RemoveSpaceMembership',
  'v1.compute.instances.insert',
  'noDotsAtAll',
  '.',
  '//captain.api.mondoo.app/users/u-1',
  '//agents.api.mondoo.app/organizations/o/serviceaccounts/sa-1',
  '///',
  'projects/p/logs/cloudaudit.googleapis.com%2Fpolicy',
  'us-central1-a',
  'serviceAccount:x@p.iam.gserviceaccount.com',
  'AuthenticationLog',
];
const ODD_VALUES: unknown[] = [null, 0, 7, -1, true, false, [], {}, [{ subject: 'a@b.co' }], { success: false, reason: 'locked' }, { code: 7 }];

/** A deep copy of `value` with about one field in `1/rate` replaced, removed or set to an odd value. */
function mutate(value: unknown, rand: () => number, rate: number): unknown {
  if (Array.isArray(value)) return value.map((item) => mutate(item, rand, rate));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const roll = rand();
    if (roll < rate / 3) continue; // removed
    if (roll < (2 * rate) / 3) out[key] = ODD_STRINGS[Math.floor(rand() * ODD_STRINGS.length)];
    else if (roll < rate) out[key] = ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)];
    else out[key] = mutate(field, rand, rate);
  }
  return out;
}

/** The schema each source's client checks a record with before the mapper sees it. */
const SCHEMAS = { mondoo: mondooAuditNodeSchema, endorlabs: endorAuditLogSchema, 'gcp-audit-logs': logEntrySchema } as const;

function sample(type: MappedSourceType): SourceEvent[] {
  const events = sourceEvents(type, SAMPLE, 11);
  const rand = mulberry32(23);
  // The time fields stay: a record without one is refused by the schema before it reaches the mapper.
  const mutated = events.map((event) => {
    const copy = mutate(event.node, rand, type === 'gcp-audit-logs' ? 0.05 : 0.15) as Record<string, unknown>;
    const original = event.node as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any source's node
    if (type === 'mondoo') copy.timestamp = original.timestamp;
    if (type === 'gcp-audit-logs') Object.assign(copy, { timestamp: original.timestamp, logName: copy.logName ?? original.logName });
    if (type === 'endorlabs') {
      copy.meta = { ...(typeof copy.meta === 'object' && copy.meta !== null ? copy.meta : {}), create_time: original.meta.create_time };
      copy.spec = typeof copy.spec === 'object' && copy.spec !== null ? copy.spec : {};
      copy.tenant_meta = { namespace: original.tenant_meta.namespace };
    }
    return { key: event.key, node: copy };
  });
  // Only what the source's schema lets through: a mapper never sees anything else.
  return [...events, ...mutated.filter((event) => SCHEMAS[type].safeParse(event.node).success)];
}

const outcome = (map: () => string): string => {
  try {
    return map();
  } catch (error) {
    return `throws ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
};

/** Each record's OCSF line, or what the mapper threw for it: as the object mapper gives it, and as the map activity writes it. */
function outputOf(type: MappedSourceType, events: SourceEvent[]): { lines: string[]; written: string[] } {
  const connector = sourceConnector(type);
  const source = mapSourceFor(type);
  return {
    lines: events.map((event) => outcome(() => JSON.stringify(connector.toOcsf(event, source)))),
    written: events.map((event) =>
      outcome(() => (connector.toOcsfLine ? connector.toOcsfLine(event, source).line : JSON.stringify(connector.toOcsf(event, source)))),
    ),
  };
}

describe.each(MAPPED_SOURCE_TYPES)('the %s mapper', (type) => {
  const events = sample(type);
  const { lines, written } = outputOf(type, events);

  it('maps the fixed sample to exactly the bytes it did before', () => {
    const digest = createHash('sha256').update(lines.join('\n')).digest('hex');
    expect(digest).toBe(EXPECTED[type]);
  });

  it('writes, on the path the map activity takes, the very bytes of the object mapper', () => {
    for (let i = 0; i < lines.length; i++) expect(written[i], JSON.stringify(events[i])).toBe(lines[i]);
  });

  it('gives valid OCSF 1.5.0 for the generated records of the sample', () => {
    for (const line of lines.slice(0, 300)) expect(validateOcsfEvent(JSON.parse(line)), line).toEqual([]);
  });

  it('maps the mutated records too (most mutations stay within the schema)', () => {
    expect(events.length - SAMPLE).toBeGreaterThan(SAMPLE / 4);
    expect(lines.filter((line) => line.startsWith('throws '))).toEqual([]);
  });
});
