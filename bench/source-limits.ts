// Source limits: backfills through the full stack against the fakes that enforce what the real APIs
// allow, next to the most those limits let through. Cloud Audit Logs: 60 entries.list requests a minute
// per project, pages of at most 1,000 entries, so one project yields at most 1,000 entries/s; one
// integration per project, all on one worker, to see the reads scale with the projects. Endor Labs: no
// published request limit, pages of at most 500, so the limit is how fast the fake serves those pages
// to one sequential reader, measured in the same run.
import { REQUESTS_PER_MINUTE_VAR } from '../activities/sources/gcp-audit-logs/pacer';
import { AUDIT_LOG_TYPES, CLOUD_LOGGING_MAX_PAGE_SIZE, CLOUD_LOGGING_QUOTA_PER_MINUTE } from '../activities/sources/gcp-audit-logs/types';
import { ENDOR_LABS_MAX_PAGE_SIZE } from '../activities/sources/endorlabs/types';
import type { IntegrationDetail } from '../api/schemas/integration';
import { createFakeEndorLabs } from '../sandbox/endorlabs';
import { createFakeCloudLogging } from '../sandbox/gcp-logging';
import { startApi, waitForRun } from './backfill';
import { checkTiling } from './completeness';
import { historyStats, type StepTimes } from './history';
import type { Stack } from './stack';

export interface CloudLoggingQuotaRun {
  projects: number;
  /** The worker's AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE. */
  requestsPerMinute: number;
  events: number;
  /** From the first run's start to the last run's end. */
  seconds: number;
  eventsPerSecond: number;
  /** projects × 1,000 entries a page × the quota's requests per second. */
  maxEventsPerSecond: number;
  listRequests: number;
  rateLimited: number;
  /** Served list requests ÷ (projects × the quota over `seconds`). */
  quotaUsed: number;
  /** eventsPerSecond ÷ maxEventsPerSecond: the quota's requests used, and each for a whole page. */
  ofMax: number;
  eventsPerRequest: number;
  maxPageSizeSeen: number;
  workerCpuSeconds: number;
  /** Median ms per batch by step, from the first integration's history. */
  steps: StepTimes;
  complete: boolean;
}

export interface EndorLabsRateRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Records/s one sequential reader gets from the fake in pages of 500 (fetch + JSON.parse only). */
  maxEventsPerSecond: number;
  listRequests: number;
  eventsPerRequest: number;
  maxPageSizeSeen: number;
  workerCpuSeconds: number;
  steps: StepTimes;
  complete: boolean;
}

export interface SourceLimitsResult {
  cloudLogging: CloudLoggingQuotaRun[];
  endorLabs?: EndorLabsRateRun;
}

export interface SourceLimitsOptions {
  /** Entries per project (0 skips Cloud Audit Logs). */
  gcpEntries: number;
  /** Project counts to run, one run each. */
  gcpProjects: number[];
  requestsPerMinute: number;
  /** Endor Labs records (0 skips it). */
  endorEvents: number;
  log?: (line: string) => void;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const suffix = () => Date.now().toString(36);

export async function runSourceLimits(stack: Stack, options: SourceLimitsOptions): Promise<SourceLimitsResult> {
  const result: SourceLimitsResult = { cloudLogging: [] };
  if (options.gcpEntries > 0) {
    for (const projects of options.gcpProjects) result.cloudLogging.push(await cloudLoggingRun(stack, projects, options));
  }
  if (options.endorEvents > 0) result.endorLabs = await endorLabsRun(stack, options.endorEvents, options.log ?? (() => {}));
  return result;
}

/** Creates the integrations at once and waits for every first run; the span from the first start to the last end. */
async function backfillAll(
  stack: Stack,
  taskQueue: string,
  bodies: Array<{ body: unknown; events: number }>,
  say: (line: string) => void,
): Promise<{ details: IntegrationDetail[]; seconds: number; steps: StepTimes }> {
  const api = await startApi(stack, taskQueue);
  try {
    const ids = await Promise.all(
      bodies.map(async ({ body }) => {
        const created = await api.request('POST', '/v1/integrations', body);
        if (created.status !== 201) throw new Error(`create integration: ${created.status} ${JSON.stringify(created.body)}`);
        return (created.body as { id: string }).id;
      }),
    );
    const details = await Promise.all(ids.map((id, i) => waitForRun(api, id, bodies[i]!.events, say)));
    const starts = details.map((d) => Date.parse(d.lastRun!.startedAt));
    const ends = details.map((d) => Date.parse(d.lastRun!.finishedAt!));
    const history = await historyStats(stack.client, details[0]!.workflowId, 6);
    return { details, seconds: (Math.max(...ends) - Math.min(...starts)) / 1000, steps: history.stepMedianMs };
  } finally {
    await api.close();
  }
}

async function cloudLoggingRun(stack: Stack, projects: number, options: SourceLimitsOptions): Promise<CloudLoggingQuotaRun> {
  const say = options.log ?? (() => {});
  const logging = await createFakeCloudLogging({ requireAuth: false });
  try {
    const run = suffix();
    const names = Array.from({ length: projects }, (_, i) => `projects/bench-quota-${run}-${i}`);
    // 20 calls a second, ending 15 minutes ago: every entry is settled (10 minutes' late arrival) when the run starts.
    const perSecond = 20;
    const expected = names.map((name, i) => {
      logging.store.generate(name, { calls: options.gcpEntries, start: Date.now() - (options.gcpEntries / perSecond + 900) * 1000, perSecond, seed: i + 1 });
      return logging.store.all([name]).length;
    });
    const bucket = await stack.createBucket(`bench-gcp-quota-${projects}-${run}`);
    const taskQueue = `bench-gcp-quota-${projects}-${run}`;
    const worker = await stack.startWorker(taskQueue, `worker-gcp-quota-${projects}`, { [REQUESTS_PER_MINUTE_VAR]: String(options.requestsPerMinute) });
    const events = expected.reduce((a, b) => a + b, 0);
    say(`source limits: Cloud Audit Logs, ${projects} project(s), ${events} entries, ${options.requestsPerMinute} requests/min`);
    let backfill: Awaited<ReturnType<typeof backfillAll>>;
    let usage: ReturnType<typeof worker.usage.stop>;
    try {
      backfill = await backfillAll(
        stack,
        taskQueue,
        names.map((name, i) => ({
          events: expected[i]!,
          body: {
            name: `bench quota ${name}`,
            source: { type: 'gcp-audit-logs', resourceNames: [name], logTypes: [...AUDIT_LOG_TYPES], endpoint: logging.url },
            destination: { type: 'gcs', bucket, prefix: `p${i}/`, endpoint: stack.gcsUrl },
            intervalMinutes: 60,
            includeHistorical: true,
          },
        })),
        say,
      );
    } finally {
      usage = worker.usage.stop();
      await worker.stop();
    }
    const tilings = await Promise.all(names.map((_, i) => checkTiling(stack.storage, bucket, `p${i}/`, expected[i]!)));
    const exported = backfill.details.reduce((sum, d) => sum + d.lastRun!.events, 0);
    const { listRequests, rateLimited, maxPageSizeSeen } = logging.stats;
    const quotaRequests = (projects * CLOUD_LOGGING_QUOTA_PER_MINUTE * backfill.seconds) / 60;
    return {
      projects,
      requestsPerMinute: options.requestsPerMinute,
      events: exported,
      seconds: round(backfill.seconds),
      eventsPerSecond: Math.round(exported / backfill.seconds),
      maxEventsPerSecond: (projects * CLOUD_LOGGING_MAX_PAGE_SIZE * CLOUD_LOGGING_QUOTA_PER_MINUTE) / 60,
      listRequests,
      rateLimited,
      quotaUsed: round(listRequests / quotaRequests, 3),
      ofMax: round(exported / backfill.seconds / ((projects * CLOUD_LOGGING_MAX_PAGE_SIZE * CLOUD_LOGGING_QUOTA_PER_MINUTE) / 60), 3),
      eventsPerRequest: Math.round(exported / listRequests),
      maxPageSizeSeen,
      workerCpuSeconds: round(usage.cpuSeconds),
      steps: backfill.steps,
      complete: tilings.every((t) => t.complete),
    };
  } finally {
    await logging.close();
  }
}

const ENDOR_NAMESPACE = 'acme.bench';

async function endorLabsRun(stack: Stack, events: number, say: (line: string) => void): Promise<EndorLabsRateRun> {
  const endor = await createFakeEndorLabs();
  try {
    const perSecond = 50;
    endor.store.generate(ENDOR_NAMESPACE, { count: events, start: Date.now() - (events / perSecond + 600) * 1000, perSecond, seed: 5 });
    const maxEventsPerSecond = await sequentialReadRate(endor.url, endor.apiKey, endor.apiSecret, events);
    const run = suffix();
    const bucket = await stack.createBucket(`bench-endor-rate-${run}`);
    const taskQueue = `bench-endor-rate-${run}`;
    const worker = await stack.startWorker(taskQueue, 'worker-endor-rate');
    const requestsBefore = endor.stats.listRequests;
    say(`source limits: Endor Labs, ${events} records (the fake serves ${Math.round(maxEventsPerSecond)} records/s to one reader)`);
    let backfill: Awaited<ReturnType<typeof backfillAll>>;
    let usage: ReturnType<typeof worker.usage.stop>;
    try {
      backfill = await backfillAll(
        stack,
        taskQueue,
        [
          {
            events,
            body: {
              name: 'bench endor rate',
              source: { type: 'endorlabs', namespace: ENDOR_NAMESPACE, apiKey: endor.apiKey, apiSecret: endor.apiSecret, endpoint: endor.url },
              destination: { type: 'gcs', bucket, prefix: 'endor/', endpoint: stack.gcsUrl },
              intervalMinutes: 60,
              includeHistorical: true,
            },
          },
        ],
        say,
      );
    } finally {
      usage = worker.usage.stop();
      await worker.stop();
    }
    const tiling = await checkTiling(stack.storage, bucket, 'endor/', events);
    const exported = backfill.details[0]!.lastRun!.events;
    const listRequests = endor.stats.listRequests - requestsBefore;
    return {
      events: exported,
      seconds: round(backfill.seconds),
      eventsPerSecond: Math.round(exported / backfill.seconds),
      maxEventsPerSecond: Math.round(maxEventsPerSecond),
      listRequests,
      eventsPerRequest: Math.round(exported / listRequests),
      maxPageSizeSeen: endor.stats.maxPageSizeSeen,
      workerCpuSeconds: round(usage.cpuSeconds),
      steps: backfill.steps,
      complete: tiling.complete,
    };
  } finally {
    await endor.close();
  }
}

/** Records/s of reading every record once in pages of 500, one request after another, parsing each page. */
async function sequentialReadRate(url: string, key: string, secret: string, events: number): Promise<number> {
  const auth = await fetch(`${url}/v1/auth/api-key`, {
    method: 'POST',
    body: JSON.stringify({ key, secret }),
    headers: { 'content-type': 'application/json' },
  });
  const { token } = (await auth.json()) as { token: string };
  const started = performance.now();
  let read = 0;
  for (let offset: number | undefined = 0; offset !== undefined;) {
    const query = new URLSearchParams({
      'list_parameters.page_size': String(ENDOR_LABS_MAX_PAGE_SIZE),
      'list_parameters.sort.path': 'meta.create_time',
      ...(offset > 0 ? { 'list_parameters.page_token': String(offset) } : {}),
    });
    const response = await fetch(`${url}/v1/namespaces/${ENDOR_NAMESPACE}/audit-logs?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await response.json()) as { list: { objects: unknown[]; response?: { next_page_token?: number } } };
    read += page.list.objects.length;
    offset = page.list.response?.next_page_token;
  }
  if (read !== events) throw new Error(`the fake served ${read} records, not ${events}`);
  return read / ((performance.now() - started) / 1000);
}

/** `--gcp-projects 1,4` → [1, 4]. */
export function projectCounts(text: string): number[] {
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--gcp-projects must be whole numbers ≥ 1, comma-separated: ${text}`);
  return counts;
}
