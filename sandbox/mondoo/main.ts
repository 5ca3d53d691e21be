/**
 * Runs the fake Mondoo API standalone, for the local demo sandbox:
 *   npx tsx sandbox/mondoo/main.ts --port 4100 --token demo --generated 100000 --append-every-ms 1000
 * Prints the endpoint, the token and the scopes it serves; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { MONDOO_PLATFORM_MRN } from '../../activities/sources/mondoo/types';
import type { FaultKind } from '../faults';
import { createFakeMondoo } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    token: { type: 'string', default: 'fake-mondoo-token' },
    generated: { type: 'string', default: '0' },
    'generated-start': { type: 'string' },
    'per-second': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'append-every-ms': { type: 'string' },
    'append-per-tick': { type: 'string', default: '5' },
    'late-fraction': { type: 'string', default: '0.1' },
    'late-max-seconds': { type: 'string', default: '300' },
    'cursor-ttl-ms': { type: 'string', default: '60000' },
    'fault-rate': { type: 'string', default: '0' },
    'fault-kinds': { type: 'string', default: '5xx,429' },
    'rate-limit': { type: 'string' },
  },
});

const count = Number(values.generated);
const perSecond = Number(values['per-second']);
// By default the generated history ends now, so a demo starts with a backlog and then follows the appender.
const start = values['generated-start'] ?? Date.now() - Math.ceil(count / perSecond) * 1000;

const fake = await createFakeMondoo({
  port: Number(values.port),
  host: values.host,
  token: values.token,
  cursorTtlMs: Number(values['cursor-ttl-ms']),
  generated: count > 0 ? { count, perSecond, start, seed: Number(values.seed) } : undefined,
  faults: { rate: Number(values['fault-rate']), kinds: values['fault-kinds'].split(',') as FaultKind[] },
  rateLimit: values['rate-limit'] ? { requestsPerSecond: Number(values['rate-limit']) } : undefined,
});
if (values['append-every-ms']) {
  fake.startAppender({
    everyMs: Number(values['append-every-ms']),
    perTick: Number(values['append-per-tick']),
    lateFraction: Number(values['late-fraction']),
    lateMaxSeconds: Number(values['late-max-seconds']),
  });
}

const { topology } = fake.store;
console.log(`fake mondoo listening: ${fake.url}`);
console.log(`token: ${fake.token}`);
console.log(`scopes:\n  ${MONDOO_PLATFORM_MRN}`);
for (const leaf of topology.leaves) console.log(`  ${leaf.mrn}`);

const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
