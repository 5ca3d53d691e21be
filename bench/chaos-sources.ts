// The source side of the chaos run, one per source type: a fake API with a generated history and fault
// injection, live events while the export runs (some visible only later, some returned twice where the
// real API does that), events stamped in the past that appear now, and the ground truth to check against.
// bench/chaos.ts drives whichever one `--source` names the same way.
import { DedupeKeyer } from '../activities/sources/dedupe-keyer';
import { endorLabsScopeSlug } from '../activities/sources/endorlabs/schema';
import { gcpAuditLogsScope, gcpAuditLogsSourceSchema } from '../activities/sources/gcp-audit-logs/schema';
import { REQUESTS_PER_MINUTE_VAR } from '../activities/sources/gcp-audit-logs/pacer';
import { AUDIT_LOG_TYPES } from '../activities/sources/gcp-audit-logs/types';
import { nodeHash } from '../activities/sources/mondoo/dedupe-key';
import { MONDOO_PLATFORM_MRN } from '../activities/sources/mondoo/types';
import type { RegisteredSourceConfig } from '../activities/sources/registry';
import { createFakeEndorLabs, buildAuditLog } from '../sandbox/endorlabs';
import { mulberry32, type FaultKind, type FaultPolicy } from '../sandbox/faults';
import { buildEntries, createFakeCloudLogging, nanosOf } from '../sandbox/gcp-logging';
import { createFakeMondoo } from '../sandbox/mondoo';
import { buildNode } from '../sandbox/mondoo/catalog';

export const CHAOS_SOURCE_TYPES = ['mondoo', 'endorlabs', 'gcp-audit-logs'] as const;
export type ChaosSourceType = (typeof CHAOS_SOURCE_TYPES)[number];

export interface ChaosSourceOptions {
  /** Generated history to backfill. */
  events: number;
  /** Share of source requests that fail: 5xx, 429, hung then dropped. */
  faultRate: number;
  seed: number;
  /** The run's PRNG: Mondoo's live events draw from it as they always did. */
  rand: () => number;
  /** Late events become visible up to this many seconds after their timestamp. */
  lateMaxSeconds: number;
}

export interface ChaosSource {
  type: ChaosSourceType;
  /** The integration's `source`. */
  config: RegisteredSourceConfig;
  /** The integration's scope in object names and summaries (undefined: derived as for inputs from before connectors). */
  scope?: { scopeSlug: string; scopeId: string };
  /** Object-name prefix in the bucket. */
  prefix: string;
  /** What the worker processes need besides the common environment. */
  workerEnv: Record<string, string>;
  /** Starts live and past-stamped events; the returned function stops them. */
  startLive(): () => void;
  /** Every event the source holds now, as the OCSF `metadata.uid` it must be exported with. */
  expectedKeys(): string[];
  /** Faults injected so far. */
  readonly faults: Record<FaultKind, number>;
  /** HTTP requests the fake received so far, faulted ones included. */
  readonly requests: number;
  /** Events added while the export ran: live ones, and those stamped in the past (late). */
  readonly liveEvents: number;
  readonly lateEvents: number;
  close(): Promise<void>;
}

/** Seconds of generated history: `events` at `perSecond`, ending ten minutes ago. */
const historyStart = (events: number, perSecond: number) => Date.now() - (Math.ceil(events / perSecond) + 600) * 1000;

const faultPolicy = (o: ChaosSourceOptions): Partial<FaultPolicy> => ({
  rate: o.faultRate,
  kinds: ['5xx', '429', 'timeout'],
  retryAfterSeconds: 1,
  timeoutMs: 1_500,
  seed: o.seed + 2,
});

/**
 * A PRNG for the live events of a source whose history `generate` drew from mulberry32(seed): a
 * generator of their own, since replaying the history's sequence would give live events its very ids.
 */
const liveRandom = (o: ChaosSourceOptions) => mulberry32(o.seed + 4);

/**
 * Timers for a source whose fake has no appender of its own: `perTick` new events every 250 ms, a share
 * of them visible only up to `lateMaxSeconds` later, some repeated (where the API returns copies), and
 * every 400 ms one stamped 1..lateMax−1 s ago that appears now (the ingestion delay from the other side).
 */
function liveTimers(
  rand: () => number,
  lateMax: number,
  add: (stampMs: number, visibleAtMs: number) => void,
  counts: { live: number; late: number },
  repeatLast?: () => void,
): () => void {
  const live = setInterval(() => {
    const now = Date.now();
    for (let k = 0; k < 2; k++) {
      const late = rand() < 0.2;
      add(now, late ? now + Math.ceil(rand() * lateMax * 1000) : now);
      counts.live++;
      if (repeatLast && rand() < 0.05) repeatLast();
    }
  }, 250);
  const past = setInterval(() => {
    const now = Date.now();
    add(now - 1000 - Math.floor(rand() * (lateMax - 1) * 1000), now);
    counts.late++;
  }, 400);
  return () => {
    clearInterval(live);
    clearInterval(past);
  };
}

async function mondooSource(o: ChaosSourceOptions): Promise<ChaosSource> {
  const perSecond = 20;
  const mondoo = await createFakeMondoo({
    generated: { count: o.events, start: historyStart(o.events, perSecond), perSecond, seed: o.seed },
    faults: faultPolicy(o),
  });
  let lateEvents = 0;
  return {
    type: 'mondoo',
    config: { type: 'mondoo', scopeMrn: MONDOO_PLATFORM_MRN, endpoint: mondoo.url, token: mondoo.token },
    prefix: 'mondoo/',
    workerEnv: {},
    startLive() {
      const lateMax = o.lateMaxSeconds;
      const stopAppender = mondoo.startAppender({
        everyMs: 250,
        perTick: 2,
        lateFraction: 0.2,
        lateMaxSeconds: lateMax,
        duplicateFraction: 0.05,
        seed: o.seed + 3,
      });
      const leaves = mondoo.store.topology.leaves;
      const timer = setInterval(() => {
        const leaf = leaves[Math.floor(o.rand() * leaves.length)]!;
        const seconds = Math.floor(Date.now() / 1000) - 1 - Math.floor(o.rand() * (lateMax - 1));
        mondoo.store.add([buildNode(o.rand, leaf, seconds)], { org: leaf.org, space: leaf.space, visibleAt: Date.now() });
        lateEvents++;
      }, 400);
      return () => {
        stopAppender();
        clearInterval(timer);
      };
    },
    expectedKeys() {
      const keys = new DedupeKeyer(nodeHash);
      return mondoo.store.all(MONDOO_PLATFORM_MRN).map((node) => keys.keyFor(node));
    },
    get faults() {
      return { ...mondoo.faults.injected };
    },
    get requests() {
      return mondoo.requests;
    },
    get liveEvents() {
      return mondoo.store.addedCount;
    },
    get lateEvents() {
      return lateEvents;
    },
    close: () => mondoo.close(),
  };
}

const ENDOR_NAMESPACE = 'acme.chaos';

async function endorLabsSource(o: ChaosSourceOptions): Promise<ChaosSource> {
  // Sessions of 20 s, and every session revoked now and then: backfills renew their token before it
  // expires, and once more on the 401 a revoked one meets, under faults and kills alike.
  const endor = await createFakeEndorLabs({ tokenTtlMs: 20_000, faults: faultPolicy(o) });
  endor.store.generate(ENDOR_NAMESPACE, { count: o.events, start: historyStart(o.events, 20), perSecond: 20, seed: o.seed });
  const counts = { live: 0, late: 0 };
  return {
    type: 'endorlabs',
    config: { type: 'endorlabs', namespace: ENDOR_NAMESPACE, apiKey: endor.apiKey, apiSecret: endor.apiSecret, endpoint: endor.url },
    scope: { scopeSlug: endorLabsScopeSlug(ENDOR_NAMESPACE), scopeId: ENDOR_NAMESPACE },
    prefix: 'endorlabs/',
    workerEnv: {},
    startLive() {
      const rand = liveRandom(o);
      const add = (stampMs: number, visibleAtMs: number) => {
        // Microseconds, as Endor Labs writes them: sub-millisecond ties and order are exercised too.
        const record = buildAuditLog(rand, { namespace: ENDOR_NAMESPACE, createMicros: stampMs * 1000 + Math.floor(rand() * 1000) });
        endor.store.add([record], { visibleAt: visibleAtMs });
      };
      const stopTimers = liveTimers(rand, o.lateMaxSeconds, add, counts);
      const revoke = setInterval(() => endor.revokeTokens(), 15_000);
      return () => {
        stopTimers();
        clearInterval(revoke);
      };
    },
    expectedKeys: () => endor.store.all(ENDOR_NAMESPACE).map((record) => record.uuid),
    get faults() {
      return { ...endor.faults.injected };
    },
    get requests() {
      return endor.stats.requests;
    },
    get liveEvents() {
      return counts.live;
    },
    get lateEvents() {
      return counts.late;
    },
    close: () => endor.close(),
  };
}

const GCP_PROJECT = 'projects/acme-chaos-5tq8w2';

async function cloudLoggingSource(o: ChaosSourceOptions): Promise<ChaosSource> {
  // No authentication (the sandbox mode: the worker sends no credentials to an untrusted endpoint); the
  // quota is Google's shape at a higher rate, so the paced workers meet it only when two run at once.
  const logging = await createFakeCloudLogging({ requireAuth: false, quotaPerMinute: 600, faults: faultPolicy(o) });
  logging.store.generate(GCP_PROJECT, { calls: o.events, start: historyStart(o.events, 20), perSecond: 20, seed: o.seed });
  const counts = { live: 0, late: 0 };
  let last: ReturnType<typeof buildEntries> = [];
  const source = gcpAuditLogsSourceSchema.parse({
    type: 'gcp-audit-logs',
    resourceNames: [GCP_PROJECT],
    logTypes: [...AUDIT_LOG_TYPES],
    endpoint: logging.url,
  });
  return {
    type: 'gcp-audit-logs',
    config: source,
    scope: gcpAuditLogsScope([GCP_PROJECT]),
    prefix: 'gcp/',
    workerEnv: { [REQUESTS_PER_MINUTE_VAR]: '400' },
    startLive() {
      const rand = liveRandom(o);
      const add = (stampMs: number, visibleAtMs: number) => {
        const type = AUDIT_LOG_TYPES[Math.floor(rand() * AUDIT_LOG_TYPES.length)]!;
        last = buildEntries(rand, type, { resourceName: GCP_PROJECT, nanos: nanosOf(stampMs) + BigInt(Math.floor(rand() * 1_000_000)) });
        logging.store.add(last, { visibleAt: visibleAtMs });
      };
      // Cloud Logging may return the same entry twice: a copy becomes visible a moment later.
      const repeatLast = () => logging.store.add(last, { visibleAt: Date.now() + Math.floor(rand() * 3_000) });
      return liveTimers(rand, o.lateMaxSeconds, add, counts, repeatLast);
    },
    expectedKeys: () => logging.store.all([GCP_PROJECT]).map((entry) => entry.insertId),
    get faults() {
      return { ...logging.faults.injected };
    },
    get requests() {
      return logging.stats.requests;
    },
    get liveEvents() {
      return counts.live;
    },
    get lateEvents() {
      return counts.late;
    },
    close: () => logging.close(),
  };
}

export function createChaosSource(type: ChaosSourceType, options: ChaosSourceOptions): Promise<ChaosSource> {
  if (type === 'endorlabs') return endorLabsSource(options);
  if (type === 'gcp-audit-logs') return cloudLoggingSource(options);
  return mondooSource(options);
}
