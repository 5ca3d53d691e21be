// Chaos run: a large backfill plus live (and late) events, while worker processes are SIGKILLed, the
// Temporal dev server restarts on its SQLite file, and the source and sink fail part of their requests.
// The source is any of the fakes (bench/chaos-sources.ts): Mondoo, Endor Labs or Cloud Logging; the
// destination any store's emulator (bench/chaos-destinations.ts): GCS, S3 (versitygw) or Azure Blob (Azurite).
// Afterwards every object is read back from the store: each source event exactly once, ranges tiling 1..N, valid OCSF.
// Used by `npm run chaos` (bench/chaos-main.ts) and, reduced, by test/integration/chaos.test.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { freePort, startProcess, type ManagedProcess } from '../lib/child-process';
import { createDataConverter } from '../lib/data-converter';
import { startTemporalDevServer } from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { connectionOptions, loadTemporalSettings, repoRoot } from '../lib/temporal-config';
import { settingsFrom } from '../lib/settings';
import { mulberry32, type FaultKind } from '../sandbox/faults';
import { sinkConnector } from '../activities/sinks/registry';
import type { ObjectReader } from '../activities/sinks/sink';
import { isManifestName } from '../lib/evidence/format';
import { verifyDestination } from '../lib/evidence/verify';
import { generateOidcSigningJwk, parseOidcSigningKeys } from '../lib/wif-keys';
import { validateOcsfEvent } from '../lib/ocsf/validator';
import { workerProcessArgs } from '../worker/process-args';
import { createChaosDestination, type ChaosDestinationType } from './chaos-destinations';
import { createChaosSource, type ChaosSourceType } from './chaos-sources';
import { chaosWorkerEnv, droppedPortSettings, LastErrorLine } from './chaos-worker-process';
import {
  DEFAULT_LIMITS,
  EXPORT_WORKFLOW_TYPE,
  deleteSignal,
  runNowSignal,
  statusQuery,
  workflowIdFor,
  type ExportStatusView,
  type IntegrationConfig,
} from '../workflows/definitions';

export interface ChaosOptions {
  /** Which fake source to export from. Default mondoo. */
  source?: ChaosSourceType;
  /** Which store's emulator to write to. Default gcs. */
  destination?: ChaosDestinationType;
  /** Generated history to backfill (includeHistorical). */
  events: number;
  /** Worker processes SIGKILLed, in total (a kill of two workers at once counts two). */
  kills: number;
  /** Restarts of the Temporal dev server (same port, same SQLite file). */
  restarts: number;
  /** Share of source requests that fail: 5xx, 429 (with Retry-After where the API sends one), hung then dropped. */
  sourceFaultRate?: number;
  /** Share of sink (store) requests that fail: 503/502/500, or written but the response dropped. */
  sinkFaultRate?: number;
  seed?: number;
  /** The export's limits.lateArrivalSeconds; late events arrive up to (this − 3) s after their timestamp. */
  lateArrivalSeconds?: number;
  /** Events per object (limits.maxEventsPerFile); smaller means more uploads for the sink faults to hit. */
  maxEventsPerFile?: number;
  /** Activity start-to-close (and fetch heartbeat) timeout: how fast a killed attempt is retried. */
  activityTimeoutMs?: number;
  /** With destination gcs: use this GCS emulator (tests share one); otherwise the run starts its own. */
  gcsEndpoint?: string;
  /** AUDITFLOW_ENCRYPTION_KEYS for the workers and the client; default: the environment's, else a new key. */
  encryptionKeys?: string;
  /** SQLite file and process logs. Default .auditflow/chaos/<time>. */
  dataDir?: string;
  /** The whole run fails if it has not finished by then. Default: 20 min + 10 ms per event. */
  timeoutMs?: number;
  /** Fails the run when the exported total does not move for this long while chaos is over. Default 180 s. */
  stallMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult extends ExportCheck {
  ok: boolean;
  source: ChaosSourceType;
  destination: ChaosDestinationType;
  expected: number;
  kills: number;
  workerStarts: number;
  workerSelfExits: number;
  serverRestarts: number;
  faults: { source: Record<FaultKind, number>; sink: Record<FaultKind, number> };
  /** Requests the source fake received, faulted ones included. */
  sourceRequests: number;
  lateEvents: number;
  liveEvents: number;
  status?: ExportStatusView;
  durationMs: number;
  /** Bucket or container. */
  bucket: string;
  prefix: string;
  expectedKeys: string[];
  dataDir: string;
  /** What `verify` found at the end: the signed manifests and the events their chain covers. */
  evidence?: { ok: boolean; manifests: number; chainThrough: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

interface WorkerSlot {
  id: number;
  proc: ManagedProcess;
  readyAt?: number;
  killed: boolean;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 20261121;
  const rand = mulberry32(seed);
  const late = options.lateArrivalSeconds ?? 8;
  const lateMax = Math.max(1, late - 3);
  const activityTimeoutMs = options.activityTimeoutMs ?? 12_000;
  const deadline = started + (options.timeoutMs ?? 20 * 60_000 + options.events * 10);
  const stallMs = options.stallMs ?? 180_000;
  const dataDir = options.dataDir ?? path.join(repoRoot, '.auditflow', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const encryptionKeys = options.encryptionKeys || settingsFrom().AUDITFLOW_ENCRYPTION_KEYS || `chaos:${randomBytes(32).toString('base64')}`;
  const problems: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  // The workers sign the manifests with this run's own OIDC key; `verify` checks them with its public half.
  const oidcKey = generateOidcSigningJwk('chaos');
  const publicJwk = parseOidcSigningKeys(JSON.stringify([oidcKey]))[0]!.publicJwk;

  // --- infrastructure: our own dev server on a SQLite file, so it can restart with its state ---
  const taskQueue = `chaos-${randomUUID()}`;
  const port = await freePort();
  const settings = { ...loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(port) }), taskQueue };
  const dbFile = path.join(dataDir, 'temporal.sqlite');
  const startServer = () => startTemporalDevServer({ settings, dbFile, headless: true, logFile: path.join(dataDir, 'temporal.log') });
  let server = await startServer();
  cleanups.push(() => server.stop());

  // --- the source: generated history, then live events (some late) while the export runs ---
  const source = await createChaosSource(options.source ?? 'mondoo', {
    events: options.events,
    faultRate: options.sourceFaultRate ?? 0.3,
    seed,
    rand,
    lateMaxSeconds: lateMax,
  });
  cleanups.push(() => source.close());
  const { prefix } = source;
  const stopLive = source.startLive();
  cleanups.push(async () => stopLive());

  // --- the destination: the store's emulator behind a fault proxy ---
  const sink = await createChaosDestination(options.destination ?? 'gcs', {
    prefix,
    faultRate: options.sinkFaultRate ?? 0.2,
    seed,
    dataDir,
    gcsEndpoint: options.gcsEndpoint,
  });
  cleanups.push(() => sink.close());
  const { bucket } = sink;

  // --- the client and the workflow ---
  const connection = await Connection.connect(connectionOptions(settings));
  cleanups.push(() => connection.close());
  await ensureSearchAttributes(connection, settings);
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: createDataConverter({ env: { AUDITFLOW_ENCRYPTION_KEYS: encryptionKeys } }),
  });
  const integrationId = randomUUID();
  const { objectUrlBase } = sinkConnector(sink.type).location(sinkConnector(sink.type).view(sink.config, integrationId));
  const config: IntegrationConfig = {
    integrationId,
    name: 'chaos export',
    source: source.config,
    destination: sink.config,
    ...(source.scope ? { connectorFacts: { ...source.scope, objectUrlBase } } : {}),
    includeHistorical: true,
    createdAt: new Date().toISOString(),
    timing: { intervalMs: 3_000, activityTimeoutMs, retryInitialMs: 200, retryMaxMs: 2_000, retryMaxAttempts: 60 },
    limits: {
      ...DEFAULT_LIMITS,
      lateArrivalSeconds: late,
      maxBatchesPerExecution: 10,
      // Smaller files, smaller batches (two files each): more uploads and executions to disturb.
      ...(options.maxEventsPerFile ? { maxEventsPerFile: options.maxEventsPerFile, maxEventsPerBatch: 2 * options.maxEventsPerFile } : {}),
    },
  };
  const handle: WorkflowHandle = await client.workflow.start(EXPORT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: workflowIdFor(config.integrationId),
    args: [{ config }],
  });
  log(
    `chaos: ${source.type} → ${sink.type}, ${options.events} events, ${options.kills} kills, ${options.restarts} restarts; workflow ${handle.workflowId}; data ${dataDir}`,
  );

  // --- worker processes, kept alive by a supervisor ---
  const dropped = droppedPortSettings();
  if (dropped.length > 0) log(`chaos: ${dropped.join(' and ')} from the environment left out of the workers (two may run at once on this host)`);
  const workers = new Set<WorkerSlot>();
  let desiredWorkers = 1;
  let workerStarts = 0;
  let workerSelfExits = 0;
  let stopping = false;
  const startWorker = () => {
    const id = ++workerStarts;
    const proc = startProcess(`chaos worker ${id}`, process.execPath, workerProcessArgs(), {
      env: chaosWorkerEnv({
        address: settings.address,
        namespace: settings.namespace,
        taskQueue,
        encryptionKeys,
        sourceEnv: source.workerEnv,
        oidcSigningKeys: JSON.stringify([oidcKey]),
      }),
      logFile: path.join(dataDir, `worker-${id}.log`),
    });
    const slot: WorkerSlot = { id, proc, killed: false };
    const lastError = new LastErrorLine();
    proc.child.stdout?.on('data', (chunk: Buffer) => {
      if (slot.readyAt === undefined && chunk.toString().includes('worker started')) slot.readyAt = Date.now();
      lastError.push(chunk);
    });
    proc.child.stderr?.on('data', (chunk: Buffer) => lastError.push(chunk));
    workers.add(slot);
    void proc.exited.then((code) => {
      workers.delete(slot);
      if (!slot.killed && !stopping) {
        workerSelfExits++;
        const signal = proc.child.signalCode ? `, signal ${proc.child.signalCode}` : '';
        log(`chaos: worker ${id} exited by itself (code ${code}${signal})${lastError.summary ? `: ${lastError.summary}` : ''}; see worker-${id}.log`);
      }
    });
  };
  const supervise = setInterval(() => {
    if (stopping) return;
    while (workers.size < desiredWorkers) startWorker();
  }, 300);
  cleanups.push(async () => {
    stopping = true;
    clearInterval(supervise);
    await Promise.all([...workers].map((w) => w.proc.stop(5_000)));
  });
  startWorker();

  let kills = 0;
  let serverRestarts = 0;
  const killWorkers = async () => {
    const running = [...workers];
    if (running.length === 0) return;
    const victims = running.length >= 2 && rand() < 0.3 ? running.slice(0, options.kills - kills) : [running[Math.floor(rand() * running.length)]!];
    // Sometimes two workers run at once (and compete for the same tasks), sometimes one.
    desiredWorkers = rand() < 0.35 ? 2 : 1;
    for (const victim of victims) {
      victim.killed = true;
      victim.proc.child.kill('SIGKILL');
      kills++;
    }
    await Promise.all(victims.map((v) => v.proc.exited));
    log(`chaos: SIGKILLed worker(s) ${victims.map((v) => v.id).join('+')} (${kills}/${options.kills})`);
  };
  const restartServer = async () => {
    await server.stop();
    await sleep(500 + rand() * 2_500);
    server = await startServer();
    serverRestarts++;
    log(`chaos: Temporal dev server restarted (${serverRestarts}/${options.restarts})`);
  };

  // --- progress, via the status query (bounded, since no worker may be there to answer) ---
  let status: ExportStatusView | undefined;
  let lastMove = Date.now();
  const poll = async (): Promise<ExportStatusView | undefined> => {
    try {
      const next = await connection.withDeadline(Date.now() + 3_000, () => handle.query(statusQuery));
      if (!status || next.totals.events !== status.totals.events) lastMove = Date.now();
      status = next;
      return next;
    } catch {
      return undefined;
    }
  };
  const progressed = () => status?.totals.events ?? 0;
  const checkTime = (what: string) => {
    if (Date.now() > deadline) throw new Error(`chaos: deadline passed while ${what}; last status ${JSON.stringify(status)}`);
    if (Date.now() - lastMove > stallMs) throw new Error(`chaos: no progress for ${stallMs} ms while ${what}; last status ${JSON.stringify(status)}`);
  };

  // Kills and restarts at random points of the backfill, each only once a worker has been polling a while,
  // so every crash lands on work in progress and the export still moves between them.
  const fractions = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + rand() * (hi - lo)).sort((a, b) => a - b);
  const killAt = fractions(options.kills, 0.02, 0.97).map((f) => Math.floor(f * options.events));
  const restartAt = fractions(options.restarts, 0.1, 0.9).map((f) => Math.floor(f * options.events));
  let nextGap = 500 + rand() * 3_500;
  let lastChaos = Date.now();
  let lastReport = Date.now();

  let result: ChaosResult | undefined;
  try {
    while (kills < options.kills || serverRestarts < options.restarts || progressed() < options.events) {
      checkTime('under chaos');
      await poll();
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        log(`chaos: ${progressed()} events exported, ${kills} kills, ${serverRestarts} restarts, ${workers.size} worker(s), status ${status?.status}`);
      }
      const readyFor = Math.max(0, ...[...workers].map((w) => (w.readyAt === undefined ? 0 : Date.now() - w.readyAt)));
      const calm = Date.now() - lastChaos >= nextGap && readyFor >= nextGap;
      if (calm && serverRestarts < options.restarts && progressed() >= restartAt[serverRestarts]!) {
        await restartServer();
        lastChaos = Date.now();
        nextGap = 500 + rand() * 3_500;
      } else if (calm && kills < options.kills && progressed() >= killAt[kills]!) {
        await killWorkers();
        lastChaos = Date.now();
        nextGap = 500 + rand() * 3_500;
      }
      await sleep(250);
    }
    log(`chaos: backfill exported (${progressed()} events so far); stopping the live source`);

    // --- the end: no new events; every late one visible; then one full run must complete ---
    stopLive();
    // The appender's delayed events become visible at most lateMax seconds after they were added.
    await sleep(lateMax * 1_000 + 1_500);
    const finalFrom = Date.now();
    lastMove = Date.now();
    let lastSignal = 0;
    for (;;) {
      checkTime('waiting for the final run');
      if (Date.now() - lastSignal > 5_000) {
        await connection.withDeadline(Date.now() + 3_000, () => handle.signal(runNowSignal)).catch(() => undefined);
        lastSignal = Date.now();
      }
      const s = await poll();
      const run = s?.lastRun;
      if (run?.outcome === 'completed' && Date.parse(run.startedAt) > finalFrom && !s!.running) break;
      await sleep(300);
    }
    log(`chaos: final run completed: ${JSON.stringify(status?.lastRun)}`);

    const expected = source.expectedKeys();
    const check = await verifyExport(sink.bulkReader, prefix, expected);
    problems.push(...check.problems);
    if (status?.status !== 'active') problems.push(`final status is ${status?.status}, not active (lastError: ${JSON.stringify(status?.lastError)})`);
    if (status?.totals.events !== expected.length) problems.push(`workflow totals ${status?.totals.events} events, source has ${expected.length}`);
    // The evidence an auditor checks (issue 17): `verify` over the bucket, against the exported total.
    const verified = await verifyDestination(sink.reader, {
      prefix,
      jwks: { keys: [publicJwk] },
      expectThrough: status?.totals.events,
    });
    problems.push(...verified.problems.map((problem) => `verify: ${problem}`));
    const evidence = { ok: verified.ok, manifests: verified.scopes[0]?.manifests ?? 0, chainThrough: verified.scopes[0]?.chain?.lastSeq ?? 0 };
    log(`chaos: verify ${verified.ok ? 'OK' : 'FAILED'}: ${evidence.manifests} manifests, signed chain through event ${evidence.chainThrough}`);
    if (kills < options.kills) problems.push(`only ${kills} of ${options.kills} kills happened`);
    if (serverRestarts < options.restarts) problems.push(`only ${serverRestarts} of ${options.restarts} server restarts happened`);
    await connection.withDeadline(Date.now() + 3_000, () => handle.signal(deleteSignal)).catch(() => undefined);
    result = {
      ...check,
      ok: problems.length === 0,
      source: source.type,
      destination: sink.type,
      problems,
      expected: expected.length,
      kills,
      workerStarts,
      workerSelfExits,
      serverRestarts,
      faults: { source: source.faults, sink: sink.faults() },
      sourceRequests: source.requests,
      lateEvents: source.lateEvents,
      liveEvents: source.liveEvents,
      status,
      durationMs: Date.now() - started,
      bucket,
      prefix,
      expectedKeys: expected,
      dataDir,
      evidence,
    };
    return result;
  } finally {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`chaos: cleanup failed: ${String(error)}`));
  }
}

export interface ExportCheck {
  exported: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  invalidLines: number;
  gaps: number;
  overlaps: number;
  miscounted: number;
  objects: number;
  problems: string[];
}

const NAME = /-audit-logs-(\d+)-(\d+)\.jsonl$/;

/**
 * Reads every object back and counts (rather than stops at) every violation: ranges that do not tile
 * 1..N, objects whose line count differs from their range, invalid OCSF, and keys doubled, missing or unknown.
 */
export async function verifyExport(reader: ObjectReader, prefix: string, expected: string[]): Promise<ExportCheck> {
  const files = await reader.list(prefix);
  const problems: string[] = [];
  const ranges = files
    .filter((file) => !isManifestName(file.name)) // the evidence chain's, checked by verify
    .map((file) => {
      const match = NAME.exec(file.name);
      if (!match) problems.push(`object ${file.name} has no sequence range in its name`);
      return { file, from: Number(match?.[1] ?? 0), to: Number(match?.[2] ?? -1) };
    })
    .sort((a, b) => a.from - b.from || a.to - b.to);
  let next = 1;
  let gaps = 0;
  let overlaps = 0;
  let miscounted = 0;
  let invalidLines = 0;
  const counts = new Map<string, number>();
  for (const range of ranges) {
    if (range.from > next) {
      gaps++;
      problems.push(`gap: sequence ${next}..${range.from - 1} is in no object (next is ${range.file.name})`);
    } else if (range.from < next) {
      overlaps++;
      problems.push(`overlap: ${range.file.name} starts at ${range.from}, but ${next - 1} was covered already`);
    }
    const lines = (await reader.read(range.file.name)).body.toString('utf8').split('\n').filter(Boolean);
    if (lines.length !== range.to - range.from + 1) {
      miscounted++;
      problems.push(`${range.file.name} holds ${lines.length} events, its range says ${range.to - range.from + 1}`);
    }
    for (const line of lines) {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        invalidLines++;
        continue;
      }
      const issues = validateOcsfEvent(event);
      if (issues.length > 0) {
        invalidLines++;
        if (invalidLines <= 5) problems.push(`invalid OCSF in ${range.file.name}: ${JSON.stringify(issues.slice(0, 3))}`);
      }
      const key = String((event.metadata as { uid?: unknown } | undefined)?.uid);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    next = Math.max(next, range.to + 1);
  }
  const expectedSet = new Set(expected);
  let exported = 0;
  let duplicates = 0;
  let unexpected = 0;
  for (const [key, n] of counts) {
    exported += n;
    if (n > 1) {
      duplicates += n - 1;
      if (duplicates <= 5) problems.push(`event ${key} exported ${n} times`);
    }
    if (!expectedSet.has(key)) unexpected++;
  }
  const missingKeys = expected.filter((key) => !counts.has(key));
  if (invalidLines > 5) problems.push(`${invalidLines} invalid lines in all`);
  if (duplicates > 0) problems.push(`${duplicates} duplicate event(s)`);
  if (missingKeys.length > 0) problems.push(`${missingKeys.length} missing event(s), e.g. ${missingKeys.slice(0, 3).join(', ')}`);
  if (unexpected > 0) problems.push(`${unexpected} exported event(s) not in the source`);
  return { exported, duplicates, missing: missingKeys.length, unexpected, invalidLines, gaps, overlaps, miscounted, objects: files.length, problems };
}

/** The one-line verdict `npm run chaos` prints. */
export function verdictLine(r: ChaosResult): string {
  const kinds = (counts: Record<string, number>) =>
    `${sum(counts)} (${
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    })`;
  return [
    r.ok ? 'CHAOS PASS' : 'CHAOS FAIL',
    `source=${r.source}`,
    `destination=${r.destination}`,
    `events expected=${r.expected} exported=${r.exported}`,
    `duplicates=${r.duplicates} missing=${r.missing} unexpected=${r.unexpected}`,
    `invalid-ocsf=${r.invalidLines} gaps=${r.gaps} overlaps=${r.overlaps} objects=${r.objects}`,
    `kills=${r.kills} (worker starts ${r.workerStarts}, self-exits ${r.workerSelfExits}) server-restarts=${r.serverRestarts}`,
    `faults source=${kinds(r.faults.source)} of ${r.sourceRequests} requests sink=${kinds(r.faults.sink)}`,
    `live=${r.liveEvents} past-stamped=${r.lateEvents} status=${r.status?.status ?? 'unknown'}`,
    `verify=${r.evidence ? `${r.evidence.ok ? 'ok' : 'FAIL'} (${r.evidence.manifests} manifests, chain through ${r.evidence.chainThrough})` : 'not run'}`,
    `duration=${(r.durationMs / 1000).toFixed(1)}s`,
  ].join(' | ');
}
