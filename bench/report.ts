// The figures as Markdown: printed, and appended to bench/RESULTS.md with where they were measured.
import { execFileSync } from 'node:child_process';
import type { BackfillResult } from './backfill';
import type { StepTimes } from './history';
import type { FanoutResult } from './fanout';
import type { IdleResult } from './idle';
import type { MappingResult } from './mapping';
import { machineInfo, median } from './process-stats';
import type { SourceLimitsResult } from './source-limits';
import type { UploadBenchResult } from './uploads';

export interface BenchReport {
  backfill: BackfillResult[];
  mapping?: MappingResult;
  idle?: IdleResult;
  fanout?: FanoutResult;
  sourceLimits?: SourceLimitsResult;
  uploads?: UploadBenchResult;
  /** The operator's word on the machine or the run (`--note`). */
  note?: string;
  /** `--worker-node-args`, when not `npm run worker`'s. */
  workerNodeArgs?: string;
}

const goal = (ok: boolean) => (ok ? 'meets goal' : '**misses goal**');
const lagMs = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toLocaleString('en-US')} ms`);
const n = (x: number | undefined) => (x === undefined ? 'n/a' : x.toLocaleString('en-US'));

export function formatReport(report: BenchReport, command: string): string {
  const machine = machineInfo();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  const lines = [
    `## ${new Date().toISOString()}`,
    '',
    `- command: \`${command}\``,
    `- commit: ${commit}`,
    `- machine: ${machine.cores} cores, ${machine.ramGb} GB RAM, ${machine.cpuModel}, Node ${machine.node}`,
    ...(report.note ? [`- note: ${report.note}`] : []),
    ...(report.workerNodeArgs ? [`- worker V8 flags: \`${report.workerNodeArgs}\` (not npm run worker's)`] : []),
    '',
  ];
  if (report.backfill.length > 0) {
    lines.push(
      '### Backfill (full stack vs direct pipeline, same run)',
      '',
      '| events | Temporal ev/s | direct ev/s | ratio (goal ≥ 0.8) | worker RSS start / peak / HWM MB | worker CPU s | dev server CPU s | executions | history events max (median) | history bytes max | largest payload B | complete (Temporal / direct) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const b of report.backfill) {
      const t = b.temporal;
      lines.push(
        `| ${n(b.events)} | ${n(t.eventsPerSecond)} (${t.seconds} s) | ${n(b.direct.eventsPerSecond)} (${b.direct.seconds} s) | ${b.ratio} ${goal(b.ratio >= 0.8)} | ${t.workerStartRssMb} / ${t.workerPeakRssMb} / ${t.workerHwmMb} | ${t.workerCpuSeconds} | ${t.temporalServerCpuSeconds ?? 'n/a'} | ${t.history.executions} | ${t.history.maxHistoryLength} (${t.history.medianHistoryLength}) | ${n(t.history.maxHistorySizeBytes)} | ${n(t.history.maxPayloadBytes)} (of ${t.history.sampledExecutions} runs) | ${t.tiling.complete} (${t.tiling.objects} objects) / ${b.direct.tiling.complete} |`,
      );
    }
    lines.push(...repeatedRuns(report.backfill));
    lines.push('', 'Median time per batch, by step (Temporal: from history event times; a local activity runs inside a workflow task):', '');
    for (const b of report.backfill) {
      const t = b.temporal.history.stepMedianMs;
      const d = b.direct.stepMedianMs;
      lines.push(`- ${n(b.events)}: Temporal ${stepLine(t)} · direct fetch ${stepMs(d.fetch)}, map ${mapMs(d.map)}, upload ${stepMs(d.upload)}`);
    }
    if (report.backfill.some((b) => b.temporal.workerCpuByThread)) {
      lines.push(
        '',
        "CPU seconds by thread (MainThread: JavaScript, i.e. the activities, payload codec and SDK; V8Worker: V8's garbage-collection and compiler helpers; WorkerThread: the workflow thread; tokio-runtime-w: the Temporal core; the direct pipeline runs in the bench process):",
        '',
      );
      for (const b of report.backfill) {
        lines.push(`- ${n(b.events)}: worker ${threadLine(b.temporal.workerCpuByThread)} · direct ${threadLine(b.direct.benchProcessCpuByThread)}`);
      }
    }
    const peaks = report.backfill.map((b) => b.temporal.workerPeakRssMb);
    lines.push('', `Worker peak RSS goal ≤ 256 MB: ${goal(Math.max(...peaks) <= 256)}.`);
    if (report.backfill.length > 1) {
      // With --backfill-runs, the largest size's highest peak: flatness is about the worst run.
      const small = report.backfill[0]!;
      const largest = report.backfill.filter((b) => b.events === report.backfill.at(-1)!.events);
      const large = largest.reduce((worst, b) => (b.temporal.workerPeakRssMb > worst.temporal.workerPeakRssMb ? b : worst));
      const growth = large.temporal.workerPeakRssMb / small.temporal.workerPeakRssMb;
      lines.push(`RSS flatness: peak at ${n(large.events)} ÷ peak at ${n(small.events)} = ${growth.toFixed(2)} (goal ≤ 1.2): ${goal(growth <= 1.2)}.`);
    }
    lines.push('');
  }
  if (report.mapping) {
    const m = report.mapping;
    lines.push(
      `### Mapping (${n(m.records)} generated records per source, median of ${m.runs} runs, CPU time of the bench process)`,
      '',
      "Floor: JSON.parse + JSON.stringify of each source record. Mapper: parse + the source's mapper as the map activity runs it (toOcsfLine where the connector has one, else toOcsf + stringify). Object bound: parse + stringify of the OCSF event alone (mapped beforehand), the least a mapper that returns an object can cost. mapToOcsfFiles: the map activity (+ decompressing the batch, zstd, base64).",
      '',
      '| source | floor records/s | mapper records/s | mapper ÷ floor (goal ≤ 1.5) | object bound ÷ floor | mapToOcsfFiles records/s (÷ floor) | B per source record / OCSF line |',
      '|---|---|---|---|---|---|---|',
    );
    for (const s of m.sources) {
      lines.push(
        `| ${s.source} | ${n(s.parseStringifyPerSecond)} | ${n(s.mapPerSecond)} | **${s.ratio}×** ${goal(s.ratio <= 1.5)} | ${s.objectBoundRatio}× | ${n(s.mapToOcsfFilesPerSecond)} (${s.mapToOcsfFilesRatio}×) | ${s.sourceBytesPerRecord} / ${s.ocsfBytesPerRecord} |`,
      );
    }
    lines.push('');
  }
  if (report.idle) {
    const i = report.idle;
    lines.push(
      `### Idle integrations (${n(i.integrations)}, 1-day interval, one worker; workflow cache: ${i.cachedWorkflows})`,
      '',
      `- worker RSS before any integration: ${i.workerStartRssMb} MB; every first run done after ${i.firstRunsSeconds} s (peak until then ${i.workerPeakRssMb} MB)`,
      `- then over ${i.windowSeconds} s: RSS median ${i.windowMedianRssMb} MB, peak ${i.windowPeakRssMb} MB (goal ≤ 256 MB: ${goal(i.windowPeakRssMb <= 256)}); worker ${i.workerCpuPercent}% of a core`,
      '',
    );
  }
  if (report.fanout) {
    const f = report.fanout;
    lines.push(
      `### Fan-out (${n(f.integrations)} integrations, ${f.intervalSeconds} s interval, one worker)`,
      '',
      `- ${f.create === 'api' ? `created through the API in ${f.startSeconds} s (${n(f.createsPerSecond)} creates/s)` : `started with the Temporal client in ${f.startSeconds} s`}; every first run done after ${f.firstRunsSeconds} s`,
      `- steady state over ${f.steadySeconds} s: ${n(f.runsPerMinute)} runs/min (a run every interval would be ${n(f.expectedRunsPerMinute)}/min)`,
      `- scheduled runs' start lag (\`auditflow_run_start_lag\`, ${n(f.lagRuns)} runs in the window): p50 ${lagMs(f.lagP50Ms)}, p99 ${lagMs(f.lagP99Ms)} (goal p99 < 30 s): ${f.lagP99Ms === undefined ? 'no scheduled run in the window' : goal(f.lagP99Ms < 30_000)}`,
      `- worker: ${f.workerCpuPercent}% of a core, ${f.workerCpuMsPerRun} ms CPU per run; RSS median ${f.workerMedianRssMb} MB, peak ${f.workerPeakRssMb} MB`,
      `- dev server: ${f.temporalServerCpuPercent ?? 'n/a'}% of a core; ${n(f.exportedEvents)} events exported in all`,
      '',
    );
  }
  if (report.sourceLimits) lines.push(...sourceLimitsLines(report.sourceLimits));
  if (report.uploads) {
    const u = report.uploads;
    lines.push(
      `### Upload time per batch (${u.batches} batches of ${n(u.eventsPerBatch)} events: ${u.objectsPerBatch} objects + manifest, ${n(u.bytesPerBatch)} B; each store's emulator)`,
      '',
      "auditflow: the upload activity's body (create-only writes with a checksum, integrity metadata, the signed manifest). SDK: the store's own client putting the same bytes, content type and metadata, plainly. Alternating, same run.",
      '',
      '| destination | auditflow median (p90) ms | of which store calls, median ms | SDK median (p90) ms | ratio auditflow ÷ SDK |',
      '|---|---|---|---|---|',
      ...u.destinations.map(
        (d) =>
          `| ${d.type} | ${d.auditflowMedianMs} (${d.auditflowP90Ms}) | ${d.auditflowStoreCallsMedianMs} | ${d.sdkMedianMs} (${d.sdkP90Ms}) | ${d.ratio} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

const stepMs = (value: number | undefined) => (value === undefined ? 'n/a' : `${value} ms`);
/** Since the fetch maps (MAP_IN_FETCH_PATCH) no batch has a map step of its own. */
const mapMs = (value: number | undefined) => (value === undefined ? 'in the fetch' : stepMs(value));

const stepLine = (t: StepTimes) =>
  `fetch ${stepMs(t.fetch)}, map ${mapMs(t.map)}, upload ${stepMs(t.upload)}, workflow task ${stepMs(t.workflowTask)}, activity queue ${stepMs(t.activityQueue)}`;

const pct = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;

function sourceLimitsLines(s: SourceLimitsResult): string[] {
  const lines: string[] = [];
  if (s.cloudLogging.length > 0) {
    lines.push(
      '### Source limits: Cloud Audit Logs (fake enforcing 60 entries.list requests/min per project, pages of 1,000; one integration per project, one worker)',
      '',
      '| projects | requests/min setting | entries | seconds | entries/s (max) | share of the max (goal ≥ 90 %) | list requests | 429s | requests ÷ quota | entries per request | worker CPU s | complete |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of s.cloudLogging) {
      lines.push(
        `| ${r.projects} | ${r.requestsPerMinute} | ${n(r.events)} | ${r.seconds} | ${n(r.eventsPerSecond)} (${n(r.maxEventsPerSecond)}) | ${pct(r.ofMax)} ${goal(r.ofMax >= 0.9)} | ${n(r.listRequests)} | ${r.rateLimited} | ${pct(r.quotaUsed)} | ${n(r.eventsPerRequest)} (pages up to ${n(r.maxPageSizeSeen)}) | ${r.workerCpuSeconds} | ${r.complete} |`,
      );
    }
    lines.push('', 'Median time per batch, by step (first integration of each run):', '');
    for (const r of s.cloudLogging) lines.push(`- ${r.projects} project(s): ${stepLine(r.steps)}`);
    lines.push('');
  }
  if (s.endorLabs) {
    const e = s.endorLabs;
    lines.push(
      '### Source limits: Endor Labs (fake without a request limit, pages of at most 500)',
      '',
      `- backfill of ${n(e.events)} records: ${n(e.eventsPerSecond)} records/s in ${e.seconds} s; the fake serves ${n(e.maxEventsPerSecond)} records/s to one sequential reader (the max)`,
      `- ${n(e.listRequests)} list requests, ${n(e.eventsPerRequest)} records per request (pages up to ${n(e.maxPageSizeSeen)}); worker CPU ${e.workerCpuSeconds} s; complete: ${e.complete}`,
      `- median time per batch: ${stepLine(e.steps)}`,
      '',
    );
  }
  return lines;
}

/** Thread CPU, largest first; threads under 0.1 s left out. */
function threadLine(byThread: Record<string, number> | undefined): string {
  if (!byThread) return 'n/a';
  const entries = Object.entries(byThread).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([name, seconds]) => `${name} ${seconds}`).join(', ');
}

/** For a size run more than once (--backfill-runs): the median ratio and its range, since one run is not a verdict. */
function repeatedRuns(backfills: BackfillResult[]): string[] {
  const lines: string[] = [];
  for (const size of [...new Set(backfills.map((b) => b.events))]) {
    const runs = backfills.filter((b) => b.events === size);
    if (runs.length < 2) continue;
    const ratios = runs.map((b) => b.ratio);
    const ratio = median(ratios);
    lines.push(
      '',
      `${n(size)} events, ${runs.length} runs: ratio median ${ratio.toFixed(2)} (${Math.min(...ratios)}–${Math.max(...ratios)}) ${goal(ratio >= 0.8)}; Temporal ${n(Math.round(median(runs.map((b) => b.temporal.eventsPerSecond))))} ev/s, direct ${n(Math.round(median(runs.map((b) => b.direct.eventsPerSecond))))} ev/s (medians)`,
    );
  }
  return lines;
}
