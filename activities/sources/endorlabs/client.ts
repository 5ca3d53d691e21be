// Reads one namespace's audit logs from Endor Labs' REST API in ascending create_time, one pass at a time.
import { z } from 'zod';
import { ExportError } from '../../errors';
import { DEFAULT_MAX_RESPONSE_BYTES, sourceFetch, sourceFetchError } from '../source-fetch';
import { classifyEndorNetworkError, classifyEndorResponse, type EndorStage } from './errors';
import { EndorTokenCache, sharedEndorTokenCache, tokenCacheId, type IssuedToken } from './token-cache';
import { endorAuditLogPageSchema, endorTokenResponseSchema, ENDOR_LABS_MAX_PAGE_SIZE, type EndorAuditLog } from './types';

export interface EndorClientOptions {
  endpoint: string;
  namespace: string;
  apiKey: string;
  apiSecret: string;
  requestTimeoutMs?: number;
  /** Tries per request before the error goes to the activity's retry policy. */
  attemptsPerPage?: number;
  /** Longest Retry-After the client waits itself; beyond it the activity retry takes over. */
  maxInlineRetryAfterMs?: number;
  /** Epoch ms after which no request runs or waits (the fetch's time budget). Asked before every request. */
  deadline?: () => number;
  /** Called before every request, retries included: the fetch heartbeats there. */
  beforeRequest?: () => void;
  pageSize?: number;
  /** Cap on one response body (the worker's AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES); a page over it is asked again at half the page size. */
  maxResponseBytes?: number;
  tokenCache?: EndorTokenCache;
}

/** One page of a pass: the records not yet returned by this pass, and whether more follow. */
export interface EndorPage {
  records: EndorAuditLog[];
  /** Records the server sent, including ones this pass had already returned. */
  received: number;
  more: boolean;
}

/** A pass reads `from <= create_time < until`; `from` null: from the oldest record the source still holds. */
export interface EndorPassRange {
  from: string | null;
  until: string;
}

const MIN_PAGE_SIZE = 10;

/** `meta.create_time>=date(…) and meta.create_time<date(…)`: the filter syntax of Endor Labs' list API. */
export function passFilter(from: string | null, until: string): string {
  const upper = `meta.create_time<date(${until})`;
  return from === null ? upper : `meta.create_time>=date(${from}) and ${upper}`;
}

export class EndorLabsClient {
  private readonly options: Required<Omit<EndorClientOptions, 'tokenCache'>>;
  private readonly tokens: EndorTokenCache;
  private readonly tokenId: string;
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private pageSize: number;

  constructor(options: EndorClientOptions) {
    this.options = {
      requestTimeoutMs: 30_000,
      attemptsPerPage: 4,
      maxInlineRetryAfterMs: 10_000,
      deadline: () => Infinity,
      beforeRequest: () => undefined,
      pageSize: ENDOR_LABS_MAX_PAGE_SIZE,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      ...options,
    };
    // Never follows a redirect (the key, the secret or the token could go to another host) and never
    // holds more than the cap: the fetch every source client uses.
    this.fetch = sourceFetch({ service: 'the Endor Labs API', maxResponseBytes: this.options.maxResponseBytes });
    this.tokens = options.tokenCache ?? sharedEndorTokenCache;
    this.base = options.endpoint.replace(/\/+$/, '');
    this.tokenId = tokenCacheId(this.base, options.apiKey, options.apiSecret);
    this.pageSize = Math.min(this.options.pageSize, ENDOR_LABS_MAX_PAGE_SIZE);
  }

  /**
   * Pages through `range` in ascending create_time. Offsets shift when rows are inserted during a scan,
   * so offsets are never carried far: after each page the filter restarts at the last create_time read,
   * with the page token counting only the rows of that exact time already read. A shift then re-sends a
   * row (dropped here by uuid) and never skips one. Should a server ignore the restart (no new row in a
   * page), the pass follows the server's own tokens to its end, deduplicating the same way.
   */
  async *ascendingPages(range: EndorPassRange): AsyncGenerator<EndorPage> {
    const seen = new Set<string>();
    let from = range.from;
    let offset = 0;
    let followServerTokens = false;
    for (;;) {
      const { objects, next } = await this.listWithRetries(passFilter(from, range.until), offset);
      const records = objects.filter((record) => !seen.has(record.uuid));
      for (const record of records) seen.add(record.uuid);
      const more = next !== undefined && objects.length > 0;
      yield { records, received: objects.length, more };
      if (!more) return;
      if (followServerTokens || records.length === 0) {
        followServerTokens = true;
        offset = next;
        continue;
      }
      const last = objects.at(-1)!.meta.create_time;
      const atLast = objects.filter((record) => record.meta.create_time === last).length;
      offset = last === from ? offset + atLast : atLast;
      from = last;
    }
  }

  /** Authenticates (through the cache) without reading: the connection probe. */
  async token(): Promise<string> {
    return this.tokens.get(this.tokenId, () => this.authenticate());
  }

  private async listWithRetries(filter: string, offset: number): Promise<{ objects: EndorAuditLog[]; next: number | undefined }> {
    let renewed = false;
    for (let attempt = 1; ;) {
      try {
        return await this.list(filter, offset);
      } catch (error) {
        if (error instanceof TokenRejected && !renewed) {
          // The token lapsed or was revoked server-side before our renewal time: renew once, at once.
          renewed = true;
          this.tokens.invalidate(this.tokenId, error.token);
          continue;
        }
        if (error instanceof ExportError && error.kind === 'SourceResponseTooLarge' && this.pageSize > MIN_PAGE_SIZE) {
          this.pageSize = Math.max(MIN_PAGE_SIZE, Math.floor(this.pageSize / 2));
          continue;
        }
        const failure = error instanceof TokenRejected ? error.failure : classifyEndorNetworkError(error, this.base);
        if (!failure.retryable || attempt >= this.options.attemptsPerPage) throw failure;
        const waitMs = failure.retryAfterMs ?? Math.min(250 * 2 ** attempt, 5_000);
        if (waitMs > this.options.maxInlineRetryAfterMs || Date.now() + waitMs >= this.options.deadline()) throw failure;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        attempt++;
      }
    }
  }

  private async list(filter: string, offset: number): Promise<{ objects: EndorAuditLog[]; next: number | undefined }> {
    const token = await this.token();
    const query = new URLSearchParams({
      'list_parameters.filter': filter,
      'list_parameters.page_size': String(this.pageSize),
      'list_parameters.sort.path': 'meta.create_time',
      'list_parameters.sort.order': 'SORT_ENTRY_ORDER_ASC',
    });
    if (offset > 0) query.set('list_parameters.page_token', String(offset));
    const url = `${this.base}/v1/namespaces/${encodeURIComponent(this.options.namespace)}/audit-logs?${query}`;
    const response = await this.request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    if (response.status === 401) throw new TokenRejected(token, this.classify('list', response));
    if (response.status !== 200) throw this.classify('list', response);
    const parsed = endorAuditLogPageSchema.safeParse(parseJson(response.body));
    if (!parsed.success) {
      throw new ExportError('SourceProtocol', `Endor Labs returned an unexpected audit-log page: ${z.prettifyError(parsed.error).slice(0, 500)}`, {
        retryable: true,
      });
    }
    return { objects: parsed.data.list.objects, next: parsed.data.list.response?.next_page_token };
  }

  private async authenticate(): Promise<IssuedToken> {
    const response = await this.request(`${this.base}/v1/auth/api-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ key: this.options.apiKey, secret: this.options.apiSecret }),
    });
    if (response.status !== 200) throw this.classify('auth', response);
    const parsed = endorTokenResponseSchema.safeParse(parseJson(response.body));
    if (!parsed.success) throw new ExportError('SourceProtocol', 'Endor Labs answered the API-key authentication without a token', { retryable: true });
    const expiresAtMs = parsed.data.expiresAt === undefined ? undefined : Date.parse(parsed.data.expiresAt);
    return { token: parsed.data.token, expiresAtMs: Number.isNaN(expiresAtMs) ? undefined : expiresAtMs };
  }

  private async request(url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }): Promise<EndorResponse> {
    const timeoutMs = Math.floor(Math.min(this.options.requestTimeoutMs, this.options.deadline() - Date.now()));
    if (timeoutMs < 1) throw new ExportError('SourceTimeout', 'the fetch ran out of time before this request (activity deadline)', { retryable: true });
    this.options.beforeRequest();
    try {
      const response = await this.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, headers: response.headers, body: await response.text() };
    } catch (error) {
      throw sourceFetchError(error) ?? classifyEndorNetworkError(error, this.base);
    }
  }

  private classify(stage: EndorStage, response: EndorResponse): ExportError {
    return classifyEndorResponse(response.status, response.headers, response.body, { stage, namespace: this.options.namespace, endpoint: this.base });
  }
}

interface EndorResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A 401 on a list request: renew the token once before it counts as an error. */
class TokenRejected extends Error {
  constructor(
    readonly token: string,
    readonly failure: ExportError,
  ) {
    super(failure.message);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
