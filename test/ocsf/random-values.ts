// Seeded random values for property-style tests of the source mappers: odd text (unicode, quotes,
// control characters, lone surrogates), RFC 3339 times in every legal shape and some illegal ones,
// addresses, and arbitrary JSON values, some of them huge. Deterministic per seed so failures reproduce.
import { mulberry32 } from '../../sandbox/faults';

const ID_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
export const ODD_TEXT = [
  '',
  ' ',
  'Unknown',
  'system',
  'ünïcödé',
  '日本語のメッセージ',
  '👩‍💻 emoji 🚀',
  'lone \ud800 surrogate',
  'עברית RTL',
  'e\u0301 combining',
  'quote " and \\ backslash',
  'line\nbreak\ttab\r\f\b',
  'nul\u0000char\u001f\u007f',
  '\u2028\u2029 separators',
  '<script>alert(1)</script>',
  'null',
  '{"json":true}',
  '"create_time":"x",',
  'a@b.co',
  'zoë@exämple.com',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
];
const IPS = [
  '203.0.113.42',
  '203.0.113.42:51234',
  '[2001:db8::1]:443',
  '2001:db8::17',
  '198.51.100.7:70000',
  '198.51.100.7:00080',
  ' 192.0.2.1 ',
  '300.1.1.1',
  'fe80::1%eth0',
  `fe80::1%${'z'.repeat(50)}`,
  '203.0.113.9, 10.0.0.1',
  'private',
  'gce-internal-ip',
  '::ffff:192.0.2.1',
  '',
];

export function randomValues(seed: number) {
  const random = mulberry32(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;
  const id = (length = 20) => Array.from({ length }, () => pick(ID_CHARS)).join('');
  const text = (): string => (chance(0.5) ? pick(ODD_TEXT) : `${pick(ODD_TEXT)} ${id(int(30))}`);
  /** `make()`, or (with chance p) left out. */
  const maybe = <T>(p: number, make: () => T): T | undefined => (chance(p) ? undefined : make());
  const ip = (): string => (chance(0.8) ? pick(IPS) : text());

  /** Any JSON value, nested up to `depth`; now and then one far longer than any bound. */
  const json = (depth = 3): unknown => {
    const roll = int(depth > 0 ? 10 : 6);
    if (roll === 0) return null;
    if (roll === 1) return chance(0.5);
    if (roll === 2) return pick([0, -1, 7, 1.5, 1e21, -0, 2 ** 53]);
    if (roll === 3) return chance(0.01) ? 'x'.repeat(20_000) + text() : text();
    if (roll < 6) return id(int(12));
    if (roll < 8) return Array.from({ length: int(4) }, () => json(depth - 1));
    return object(depth - 1);
  };
  /** A JSON object with random keys (odd ones, numeric-like ones and `__proto__` included). */
  const object = (depth = 2): Record<string, unknown> => {
    const out: Record<string, unknown> = JSON.parse(chance(0.05) ? '{"__proto__":{"polluted":1}}' : '{}') as Record<string, unknown>;
    for (let i = int(5); i > 0; i--) out[pick([id(int(8) + 1), text(), String(int(20))])] = json(depth);
    return out;
  };
  /** A payload-sized value: usually small, sometimes past an 8-16 KiB bound. */
  const big = (): unknown => {
    if (chance(0.95)) return json();
    const items = 50 + int(400);
    return { items: Array.from({ length: items }, (_, k) => ({ name: pick(ODD_TEXT), id: k })) };
  };

  /** An RFC 3339 time in one of its legal shapes (sub-second digits 0-9, offsets, `t`, space), rarely an illegal one. */
  const timestamp = (): string => {
    if (chance(0.005)) return pick(['2024-13-01T00:00:00Z', 'yesterday', '', '2024-01-01T00:00:00']);
    const seconds = 1_420_070_400 + int(20 * 365 * 86_400);
    const offsetMinutes = chance(0.7) ? 0 : (int(105) - 48) * 15;
    const local = new Date((seconds + offsetMinutes * 60) * 1000).toISOString();
    const digits = chance(0.2) ? 0 : 1 + int(9);
    const fraction = Array.from({ length: digits }, () => int(10)).join('');
    const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
    const zone = offsetMinutes === 0 && chance(0.8) ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
    return `${local.slice(0, 10)}${pick(['T', 'T', 't', ' '])}${local.slice(11, 19)}${digits > 0 ? `.${fraction}` : ''}${zone}`;
  };

  /** The object with its entries in a random order (the API's order is not promised). */
  const shuffled = (value: Record<string, unknown>): Record<string, unknown> => {
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i > 0; i--) {
      const k = int(i + 1);
      [entries[i], entries[k]] = [entries[k]!, entries[i]!];
    }
    return Object.fromEntries(entries);
  };

  return { int, pick, chance, id, text, maybe, ip, json, object, big, timestamp, shuffled };
}
