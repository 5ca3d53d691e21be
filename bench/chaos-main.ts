// `npm run chaos [-- --source mondoo|endorlabs|gcp-audit-logs --destination gcs|s3|azure-blob --events N
// --kills N --restarts N --seed N --data-dir DIR]`: the chaos run at full size by default (200,000 events,
// 50 worker kills, 3 dev-server restarts) from fake Mondoo into the GCS emulator unless --source names
// another fake and --destination another store's emulator (versitygw for s3, Azurite for azure-blob);
// exits 1 unless every event landed exactly once.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runChaos, verdictLine } from './chaos';
import { CHAOS_DESTINATION_TYPES, type ChaosDestinationType } from './chaos-destinations';
import { CHAOS_SOURCE_TYPES, type ChaosSourceType } from './chaos-sources';

const HELP = `npm run chaos -- [flags]
  --source TYPE        the fake source: ${CHAOS_SOURCE_TYPES.join(', ')} (default mondoo)
  --destination TYPE   the store, as its local emulator: ${CHAOS_DESTINATION_TYPES.join(', ')} (default gcs;
                       s3 is versitygw, azure-blob is Azurite)
  --events N           generated history to backfill (default 200000); live events come on top
  --kills N            worker processes SIGKILLed (default 50)
  --restarts N         Temporal dev-server restarts (default 3)
  --seed N             the run's PRNG seed (default 20261121)
  --data-dir DIR       SQLite file, emulator data and process logs (default .auditflow/chaos/<time>)
  --quiet              print only the verdict line`;

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: 'mondoo' },
    destination: { type: 'string', default: 'gcs' },
    events: { type: 'string', default: '200000' },
    kills: { type: 'string', default: '50' },
    restarts: { type: 'string', default: '3' },
    seed: { type: 'string' },
    'data-dir': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function count(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`chaos: --${name} must be a whole number, got "${raw}"\n\n${HELP}`);
    process.exit(2);
  }
  return value;
}

const source = values.source as ChaosSourceType;
if (!CHAOS_SOURCE_TYPES.includes(source)) {
  console.error(`chaos: --source must be one of ${CHAOS_SOURCE_TYPES.join(', ')}, got "${values.source}"`);
  process.exit(2);
}
const destination = values.destination as ChaosDestinationType;
if (!CHAOS_DESTINATION_TYPES.includes(destination)) {
  console.error(`chaos: --destination must be one of ${CHAOS_DESTINATION_TYPES.join(', ')}, got "${values.destination}"`);
  process.exit(2);
}

// Ctrl-C: exit, and lib/child-process stops every process this run started.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

// The workers need a payload key; a development key generated for this run only.
process.env.AUDITFLOW_ENCRYPTION_KEYS ||= `chaos:${randomBytes(32).toString('base64')}`;

try {
  const result = await runChaos({
    source,
    destination,
    events: count('events', values.events)!,
    kills: count('kills', values.kills)!,
    restarts: count('restarts', values.restarts)!,
    seed: count('seed', values.seed),
    dataDir: values['data-dir'],
    log: values.quiet ? undefined : (line) => console.error(`${new Date().toISOString()} ${line}`),
  });
  for (const problem of result.problems.slice(0, 20)) console.error(`chaos: ${problem}`);
  console.log(verdictLine(result));
  process.exit(result.ok ? 0 : 1);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.log('CHAOS FAIL | the run did not finish (see above)');
  process.exit(1);
}
