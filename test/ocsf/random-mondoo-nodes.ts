// Seeded generator of Mondoo audit-log nodes for property-style tests: realistic values mixed with
// the odd ones the API can hand us (nulls, empty strings, unicode, huge messages, malformed ips,
// unknown actions, every RFC 3339 variant). Deterministic per seed so failures reproduce.
import type { MondooAuditNode, SourceEvent } from '../../activities/sources/mondoo/types';
import { mulberry32 as seededRandom } from '../../sandbox/faults';

export interface GeneratedEvent {
  event: SourceEvent;
  /** What `time` must be: the timestamp's instant in epoch ms (fraction truncated to ms). */
  expectedTimeMs: number;
}

const ID_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const ODD_TEXT = [
  '',
  ' ',
  'ünïcödé',
  '日本語のメッセージ',
  '👩‍💻 emoji 🚀',
  'עברית RTL',
  'e\u0301 combining',
  'quote " and \\ backslash',
  'line\nbreak\ttab',
  'nul\u0000char',
  '<script>alert(1)</script>',
  'null',
  '{"json":true}',
  'constructor',
  '__proto__',
  'hasOwnProperty',
];
const OTHER_ACTIONS = [
  'mondoo.captain.Captain.Login',
  'mondoo.agents.AgentManager.TriggerAction',
  'mondoo.captain.Captain.SetRoleBinding',
  'mondoo.assets.AssetStore.CreateAsset',
  'mondoo.future.Service.SomethingNew',
  'Login',
  'mondoo.',
  '.',
  '',
  'mondoo.captain.Captain.createspace',
  // Object.prototype's names: unknown actions like any other.
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'mondoo.x.constructor',
  'mondoo.__proto__',
];
const MALFORMED_IPS = [
  '300.1.1.1',
  'not an ip',
  '1.2.3.4:443',
  ' 192.0.2.1',
  '192.0.2.1 ',
  '',
  'fe80::1%' + 'z'.repeat(50),
  '1.2.3',
  '::g',
  '10.0.0.1,,10.0.0.2',
  'unknown',
];

export function createNodeGenerator(seed: number, mappedActions: readonly string[]) {
  const random = seededRandom(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;
  const id = (length = 20) => Array.from({ length }, () => pick(ID_CHARS)).join('');
  const text = () => (chance(0.5) ? pick(ODD_TEXT) : `${pick(ODD_TEXT)} ${id(int(30))}`);
  const nullable = <T>(p: number, make: () => T): T | null => (chance(p) ? null : make());

  const mrn = () =>
    pick([
      () => `//captain.api.mondoo.app/users/${id()}`,
      () => `//captain.api.mondoo.app/organizations/${id(12)}`,
      () => `//captain.api.mondoo.app/spaces/${id(12)}`,
      () => `//agents.api.mondoo.app/organizations/${id(8)}/serviceaccounts/${id()}`,
      () => `//agents.api.mondoo.app/spaces/${id(8)}/agents/${id()}`,
      () => `//policy.api.mondoo.app/policies/${id(8)}`,
      () => '//platform.api.mondoo.app',
      () => '',
      () => text(),
    ])();

  const ipv4 = () => Array.from({ length: 4 }, () => int(256)).join('.');
  const ipv6 = () =>
    pick([
      () => Array.from({ length: 8 }, () => int(65536).toString(16)).join(':'),
      () => `2001:db8::${int(65536).toString(16)}`,
      () => '::1',
      () => `::ffff:${ipv4()}`,
    ])();
  const ip = () => pick([ipv4, ipv6, () => `${ipv4()}, ${ipv4()}`, () => `${ipv4()},${ipv6()},${ipv4()}`, () => pick(MALFORMED_IPS)])();

  const action = () => {
    if (chance(0.3)) return pick(OTHER_ACTIONS);
    const name = pick(mappedActions);
    return chance(0.85) ? `mondoo.${name}` : name;
  };

  /** An RFC 3339 string in any of its legal shapes, plus the instant it denotes. */
  const timestamp = (): { text: string; ms: number } => {
    const seconds = 1_420_070_400 + int(20 * 365 * 86_400); // 2015..2035
    const offsetMinutes = chance(0.6) ? 0 : (int(105) - 48) * 15; // -12:00 .. +14:00 in quarter hours
    const local = new Date((seconds + offsetMinutes * 60) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
    const digits = chance(0.6) ? 0 : 1 + int(9);
    const fraction = Array.from({ length: digits }, () => int(10)).join('');
    const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
    const zone =
      offsetMinutes === 0 && chance(0.8)
        ? pick(['Z', 'z'])
        : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
    const text = `${local.slice(0, 10)}${pick(['T', 'T', 't', ' '])}${local.slice(11, 19)}${digits > 0 ? `.${fraction}` : ''}${zone}`;
    return { text, ms: seconds * 1000 + Number(fraction.slice(0, 3).padEnd(3, '0')) };
  };

  return (): GeneratedEvent => {
    const time = timestamp();
    const node: MondooAuditNode = {
      identity: nullable(0.15, () => ({ name: nullable(0.2, () => (chance(0.7) ? `${id(6)} ${id(8)}` : text())), mrn: nullable(0.2, mrn) })),
      resource: nullable(0.15, mrn),
      action: action(),
      timestamp: time.text,
      msg: nullable(0.15, () => (chance(0.02) ? 'x'.repeat(200_000) + text() : text())),
      ip: nullable(0.3, ip),
      parent: nullable(0.5, mrn),
    };
    return { event: { key: chance(0.02) ? '' : id(40), node }, expectedTimeMs: time.ms };
  };
}
