// Reads Cloud Audit Logs through Cloud Logging's entries.list in ascending timestamp, one pass at a time:
// paced under the per-project quota, backing off on 429, deduplicating (logName, timestamp, insertId).
import { z } from 'zod';
import { ExportError } from '../../errors';
import { DEFAULT_MAX_RESPONSE_BYTES, sourceFetch, sourceFetchError } from '../source-fetch';
import { asSourceCredentialError, classifyLoggingNetworkError, classifyLoggingResponse, type LoggingErrorContext } from './errors';
import { sharedPacer, sleep, type RequestPacer } from './pacer';
import { inPass, passFilter, timestampKey, type PassRange } from './query';
import { CLOUD_LOGGING_MAX_PAGE_SIZE, DEFAULT_REQUESTS_PER_MINUTE, listEntriesResponseSchema, type AuditLogType, type GcpLogEntry } from './types';

export interface CloudLoggingClientOptions {
  endpoint: string;
  resourceNames: readonly string[];
  logTypes: readonly AuditLogType[];
  /** The user's extra query, ANDed to ours. */
  filter?: string;
  /**
   * An OAuth access token with the logging.read scope (credentials.ts gets it through the GCS
   * destination's credentials code); undefined: send none (a local fake without authentication).
   */
  accessToken: () => Promise<string | undefined>;
  /** Our pace per project; Cloud Logging's quota is 60 a minute, shared with every other reader. */
  requestsPerMinute?: number;
  pageSize?: number;
  requestTimeoutMs?: number;
  /** Tries per page on 5xx, timeouts and network errors before the error goes to the activity's retry policy. */
  attemptsPerPage?: number;
  /** Tries per page on 429 (each after a longer hold-off) before the activity's retry policy takes over. */
  rateLimitedAttempts?: number;
  /** First hold-off after a 429, doubled on each further one up to maxBackoffMs (the quota is per minute). */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** Epoch ms after which no request runs or waits (the fetch's time budget). Asked before every request. */
  deadline?: () => number;
  /** Called before every request, retries included: the fetch heartbeats there. */
  beforeRequest?: () => void;
  maxResponseBytes?: number;
  signal?: AbortSignal;
  pacer?: RequestPacer;
}

/** One page of a pass: the entries not yet returned by this pass, and whether the search goes on. */
export interface LoggingPage {
  entries: GcpLogEntry[];
  /** Entries the server sent, including duplicates and any outside the pass. */
  received: number;
  more: boolean;
}

const MIN_PAGE_SIZE = 50;

type Resolved = Required<Omit<CloudLoggingClientOptions, 'filter' | 'signal' | 'pacer'>> & Pick<CloudLoggingClientOptions, 'filter' | 'signal'>;

export class CloudLoggingClient {
  private readonly options: Resolved;
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly pacer: RequestPacer;
  private readonly paceKeys: string[];
  private readonly errorContext: LoggingErrorContext;
  private pageSize: number;

  constructor(options: CloudLoggingClientOptions) {
    this.options = {
      requestsPerMinute: DEFAULT_REQUESTS_PER_MINUTE,
      pageSize: CLOUD_LOGGING_MAX_PAGE_SIZE,
      requestTimeoutMs: 60_000,
      attemptsPerPage: 4,
      rateLimitedAttempts: 6,
      backoffBaseMs: 2_000,
      maxBackoffMs: 60_000,
      deadline: () => Infinity,
      beforeRequest: () => undefined,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      ...withoutUndefined(options),
    } as Resolved;
    this.base = options.endpoint.replace(/\/+$/, '');
    this.fetch = sourceFetch({ service: 'Cloud Logging', maxResponseBytes: this.options.maxResponseBytes });
    this.pacer = options.pacer ?? sharedPacer;
    // The quota is per project of the endpoint: the pace is kept per endpoint and resource.
    this.paceKeys = options.resourceNames.map((name) => `${this.base} ${name}`);
    this.errorContext = { resourceNames: options.resourceNames, endpoint: this.base, readsDataAccess: options.logTypes.includes('data_access') };
    this.pageSize = Math.max(1, Math.min(this.options.pageSize, CLOUD_LOGGING_MAX_PAGE_SIZE));
  }

  /**
   * Pages through `range` in ascending (timestamp, insertId). A page may be empty and still have a
   * token: the search is not finished, so the pass goes on. The same (logName, timestamp, insertId)
   * may come twice; duplicates are next to each other in this order, so only the keys of the current
   * timestamp are kept to drop them (memory stays bounded however long the pass). Entries outside the
   * window or the selected logs are dropped too: the position model rests on the window.
   */
  async *ascendingPages(range: PassRange): AsyncGenerator<LoggingPage> {
    const filter = passFilter(this.options.logTypes, range, this.options.filter);
    let atTimestamp = '';
    let seenAtTimestamp = new Set<string>();
    let pageToken: string | undefined;
    for (;;) {
      const page = await this.listWithRetries(filter, pageToken);
      const entries: GcpLogEntry[] = [];
      for (const entry of page.entries) {
        if (!inPass(entry, this.options.resourceNames, this.options.logTypes, range)) continue;
        const time = timestampKey(entry.timestamp)!;
        if (time !== atTimestamp) {
          atTimestamp = time;
          seenAtTimestamp = new Set();
        }
        const key = `${entry.logName}\n${entry.insertId}`;
        if (seenAtTimestamp.has(key)) continue;
        seenAtTimestamp.add(key);
        entries.push(entry);
      }
      pageToken = page.nextPageToken;
      yield { entries, received: page.entries.length, more: pageToken !== undefined };
      if (pageToken === undefined) return;
    }
  }

  private async listWithRetries(filter: string, pageToken: string | undefined): Promise<z.infer<typeof listEntriesResponseSchema>> {
    const intervalMs = 60_000 / this.options.requestsPerMinute;
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      await this.pacer.acquire(this.paceKeys, intervalMs, this.options.deadline(), this.options.signal, this.options.beforeRequest);
      try {
        return await this.list(filter, pageToken);
      } catch (error) {
        if (error instanceof ExportError && error.kind === 'SourceResponseTooLarge' && this.pageSize > MIN_PAGE_SIZE) {
          this.pageSize = Math.max(MIN_PAGE_SIZE, Math.floor(this.pageSize / 2));
          continue;
        }
        const failure = error instanceof ExportError ? error : classifyLoggingNetworkError(error, this.base);
        if (!failure.retryable) throw failure;
        if (failure.kind === 'SourceRateLimited') {
          // No Retry-After: hold off this project's reads, longer after each 429, then try again.
          const holdOffMs = Math.min(this.options.backoffBaseMs * 2 ** rateLimited, this.options.maxBackoffMs);
          this.pacer.holdOff(this.paceKeys, holdOffMs);
          rateLimited++;
          if (rateLimited >= this.options.rateLimitedAttempts || Date.now() + holdOffMs >= this.options.deadline()) {
            throw new ExportError('SourceRateLimited', failure.message, { retryable: true, retryAfterMs: holdOffMs });
          }
          continue;
        }
        failures++;
        if (failures >= this.options.attemptsPerPage) throw failure;
        const waitMs = Math.min(250 * 2 ** failures, 5_000);
        if (Date.now() + waitMs >= this.options.deadline()) throw failure;
        await sleep(waitMs, this.options.signal);
      }
    }
  }

  private async list(filter: string, pageToken: string | undefined): Promise<z.infer<typeof listEntriesResponseSchema>> {
    let token: string | undefined;
    try {
      token = await this.options.accessToken();
    } catch (error) {
      throw asSourceCredentialError(error);
    }
    const body = JSON.stringify({
      resourceNames: this.options.resourceNames,
      filter,
      orderBy: 'timestamp asc',
      pageSize: this.pageSize,
      ...(pageToken === undefined ? {} : { pageToken }),
    });
    const timeoutMs = Math.floor(Math.min(this.options.requestTimeoutMs, this.options.deadline() - Date.now()));
    if (timeoutMs < 1) throw new ExportError('SourceTimeout', 'the fetch ran out of time before this request (activity deadline)', { retryable: true });
    this.options.beforeRequest();
    let status: number;
    let text: string;
    try {
      const signals = [AbortSignal.timeout(timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
      const response = await this.fetch(`${this.base}/v2/entries:list`, {
        method: 'POST',
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal: AbortSignal.any(signals),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw sourceFetchError(error) ?? classifyLoggingNetworkError(error, this.base);
    }
    if (status === 401 && token === undefined) {
      throw new ExportError(
        'SourceAuth',
        'Cloud Logging asks for credentials, and auditflow sent none: the integration has no credentials, and the worker sends its ambient ones only to ' +
          "Google's endpoint or one listed in AUDITFLOW_GCS_TRUSTED_ENDPOINTS. Give the integration credentials (a service-account key or workload identity federation).",
        { retryable: false },
      );
    }
    if (status !== 200) throw classifyLoggingResponse(status, text, this.errorContext);
    const parsed = listEntriesResponseSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new ExportError('SourceProtocol', `Cloud Logging returned an unexpected entries.list page: ${z.prettifyError(parsed.error).slice(0, 500)}`, {
        retryable: true,
      });
    }
    return parsed.data;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
