// `npm run bench [-- flags]`: backfill (full stack vs direct), mapping, fan-out, upload time per batch
// for each destination (auditflow vs the store's SDK). Prints the figures and
// appends them to bench/RESULTS.md. Sizes are flags; the defaults are the issue's (over an hour on two
// cores, most of it the 10,000-integration fan-out). Timings on a shared machine are noisy: compare the
// ratios measured in one run.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../lib/temporal-config';
import { runBackfill } from './backfill';
import { runFanout } from './fanout';
import { runIdle } from './idle';
import { runMapping } from './mapping';
import { formatReport, type BenchReport } from './report';
import { projectCounts, runSourceLimits } from './source-limits';
import { startStack } from './stack';
import { runUploadBench } from './uploads';

const HELP = `npm run bench -- [flags]
  --events N            backfill size (default 1000000; 0 skips the backfill)
  --baseline-events N   a smaller backfill first, for RSS flatness (default 100000; 0 skips it)
  --backfill-runs N     runs of the --events backfill, each Temporal then direct; the report gives the median
                        ratio and its range (default 1; identical runs differ by up to a third on 2 cores)
  --mapping-records N   records per source (Mondoo, Endor Labs, Cloud Audit Logs) for the mapping benchmark (default 200000; 0 skips it)
  --mapping-runs N      runs of it, the median is reported (default 5)
  --integrations N      fan-out size (default 10000; 0 skips it)
  --interval S          fan-out interval in seconds (default 300)
  --steady S            fan-out steady-state window in seconds (default 300)
  --create api|client   fan-out integrations created through the API (default; interval a whole number of
                        minutes ≥ 5, as the API requires) or started with the Temporal client (any interval)
  --idle-integrations N  worker RSS with N idle integrations (started with the Temporal client, a 1-day interval):
                        before any, and over a window once every first run is done (default 1000; 0 skips it)
  --idle-window S       that window in seconds (default 60)
  --worker-node-args A  V8 flags for the worker processes, space-separated (default: npm run worker's,
                        "--max-semi-space-size=8 --max-old-space-size=512"); to compare settings in one run
  --gcp-entries N       source limits: Cloud Audit Logs entries per project, read under the fake's 60 requests/min
                        per project (default 60000, about a minute at the quota; 0 skips it)
  --gcp-projects LIST   project counts to run, one integration per project on one worker (default 1,4)
  --gcp-rpm N           the worker's AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE for it (default 60: the whole quota)
  --endor-events N      source limits: an Endor Labs backfill of N records in pages of 500 (default 100000; 0 skips it)
  --upload-batches N    upload time per batch for GCS, S3 and Azure Blob against their emulators, beside the
                        store's SDK uploading the same bytes (default 50 batches of 3000 events; 0 skips it)
  --note TEXT           a line about the machine or the run, kept with the figures (e.g. "shared, loaded")
  --no-record           print only; do not append to bench/RESULTS.md`;

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    'baseline-events': { type: 'string', default: '100000' },
    'backfill-runs': { type: 'string', default: '1' },
    'mapping-records': { type: 'string', default: '200000' },
    'mapping-runs': { type: 'string', default: '5' },
    integrations: { type: 'string', default: '10000' },
    interval: { type: 'string', default: '300' },
    steady: { type: 'string', default: '300' },
    create: { type: 'string', default: 'api' },
    'idle-integrations': { type: 'string', default: '1000' },
    'idle-window': { type: 'string', default: '60' },
    'worker-node-args': { type: 'string' },
    'gcp-entries': { type: 'string', default: '60000' },
    'gcp-projects': { type: 'string', default: '1,4' },
    'gcp-rpm': { type: 'string', default: '60' },
    'endor-events': { type: 'string', default: '100000' },
    'upload-batches': { type: 'string', default: '50' },
    note: { type: 'string' },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const int = (name: Exclude<keyof typeof values, 'note' | 'worker-node-args'>) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number ≥ 0\n\n${HELP}`);
    process.exit(2);
  }
  return value;
};
const create = values.create;
if (create !== 'api' && create !== 'client') {
  console.error(`--create must be api or client\n\n${HELP}`);
  process.exit(2);
}
if (create === 'api' && (int('interval') < 300 || int('interval') % 60 !== 0)) {
  console.error(`--interval must be a whole number of minutes ≥ 300 s with --create api (the API's minimum); --create client takes any\n\n${HELP}`);
  process.exit(2);
}
// Ctrl-C or a kill: exit, and lib/child-process stops every process this run started (without these a
// signal ended the bench and left its dev server, emulators and worker running).
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
const events = int('events');
const baseline = int('baseline-events');
const say = (line: string) => console.log(`bench: ${line}`);

const report: BenchReport = { backfill: [] };
// Mapping first, on a quiet machine: it needs no stack.
if (int('mapping-records') > 0) {
  say(`mapping ${int('mapping-records')} records × ${int('mapping-runs')} runs`);
  report.mapping = runMapping(int('mapping-records'), int('mapping-runs'));
}
// The stack only for the sections that need one: the mapping alone runs without Temporal.
const sourceLimits = int('gcp-entries') > 0 || int('endor-events') > 0;
const needsStack = baseline > 0 || events > 0 || int('idle-integrations') > 0 || int('integrations') > 0 || sourceLimits;
const workerNodeArgs = values['worker-node-args']?.split(/\s+/).filter(Boolean);
const stack = needsStack ? await startStack({ workerNodeArgs }) : undefined;
try {
  for (const size of [baseline, events].filter((size, i, all) => size > 0 && all.indexOf(size) === i)) {
    const runs = size === events ? Math.max(1, int('backfill-runs')) : 1;
    for (let run = 1; run <= runs; run++) {
      if (runs > 1) say(`backfill ${size}: run ${run} of ${runs}`);
      report.backfill.push(await runBackfill(stack!, size, { log: say }));
    }
  }
  if (stack && int('idle-integrations') > 0) {
    report.idle = await runIdle(stack, { integrations: int('idle-integrations'), windowSeconds: int('idle-window'), log: say });
  }
  if (stack && int('integrations') > 0) {
    report.fanout = await runFanout(stack, {
      integrations: int('integrations'),
      intervalSeconds: int('interval'),
      steadySeconds: int('steady'),
      create,
      log: say,
    });
  }
  if (stack && sourceLimits) {
    report.sourceLimits = await runSourceLimits(stack, {
      gcpEntries: int('gcp-entries'),
      gcpProjects: projectCounts(values['gcp-projects']),
      requestsPerMinute: int('gcp-rpm'),
      endorEvents: int('endor-events'),
      log: say,
    });
  }
} finally {
  await stack?.close();
}
// Last, with the stack stopped: each store's emulator on its own.
if (int('upload-batches') > 0) report.uploads = await runUploadBench({ batches: int('upload-batches'), log: say });
if (values.note) report.note = values.note;
if (workerNodeArgs) report.workerNodeArgs = workerNodeArgs.join(' ');

const args = process.argv.slice(2).map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg));
const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
const markdown = formatReport(report, command);
console.log(`\n${markdown}`);
console.log(JSON.stringify(report, null, 2));
if (!values['no-record']) {
  appendFileSync(path.join(repoRoot, 'bench', 'RESULTS.md'), `${markdown}\n`);
  say('appended to bench/RESULTS.md');
}
