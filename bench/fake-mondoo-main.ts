// The fake Mondoo API as its own process for the benchmarks, so serving the source never shares an
// event loop with the code being measured. `orgs` organizations without spaces share the generated
// history evenly; the first line printed is JSON: {"url", "token", "orgs"}.
//   node --import tsx bench/fake-mondoo-main.ts --count 1000000 --orgs 1
import { parseArgs } from 'node:util';
import { createFakeMondoo, type OrgSpec } from '../sandbox/mondoo';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    orgs: { type: 'string', default: '1' },
    'per-second': { type: 'string', default: '10' },
    seed: { type: 'string', default: '7' },
  },
});

const orgs: OrgSpec[] = Array.from({ length: Number(values.orgs) }, (_, i) => ({ id: `bench-org-${i + 1}`, spaces: [] }));
const fake = await createFakeMondoo({
  orgs,
  // Long past: every event is visible and settled, so a backfill reads the whole history.
  generated: { count: Number(values.count), start: '2024-01-01T00:00:00Z', perSecond: Number(values['per-second']), seed: Number(values.seed) },
  // A backfill pass can take longer than the default cursor lifetime; the real API's is generous too.
  cursorTtlMs: 10 * 60_000,
});
console.log(JSON.stringify({ url: fake.url, token: fake.token, orgs: orgs.map((o) => o.id) }));

const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
