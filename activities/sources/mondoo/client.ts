// Reads Mondoo's audit log through its GraphQL API (graphql-request), one ascending pass at a time.
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { z } from 'zod';
import { ExportError } from '../../errors';
import { mondooAuditNodeSchema, type MondooAuditNode } from './types';
import { DEFAULT_MAX_RESPONSE_BYTES, safeHost, sourceFetch, sourceFetchError } from '../source-fetch';

const AUDITLOG_QUERY = gql`
  query AuditLogExport($resourceMrn: String!, $first: Int, $after: String, $orderBy: AuditLogOrder, $timestampFilter: TimestampFilter) {
    auditlog(resourceMrn: $resourceMrn, first: $first, after: $after, orderBy: $orderBy, timestampFilter: $timestampFilter) {
      totalCount
      edges {
        cursor
        node {
          identity {
            name
            mrn
          }
          resource
          action
          timestamp
          msg
          ip
          parent
        }
      }
      pageInfo {
        startCursor
        endCursor
        hasNextPage
      }
    }
  }
`;

const auditLogPageSchema = z.object({
  auditlog: z.object({
    totalCount: z.number().int(),
    edges: z.array(z.object({ cursor: z.string(), node: mondooAuditNodeSchema })),
    pageInfo: z.object({
      startCursor: z.string().nullable(),
      endCursor: z.string().nullable(),
      hasNextPage: z.boolean(),
    }),
  }),
});

/** The server caps `first` at 100. */
export const MONDOO_PAGE_SIZE = 100;

export interface MondooClientOptions {
  endpoint: string;
  token: string;
  requestTimeoutMs?: number;
  /** Tries per page before the error goes to the activity's retry policy. */
  attemptsPerPage?: number;
  /** Longest Retry-After the client waits itself; beyond it the activity retry takes over. */
  maxInlineRetryAfterMs?: number;
  /**
   * Epoch ms after which no request runs or waits: requests are cut short at it, and a retry that
   * would wait past it gives up. The fetch then returns what it has read (its activity attempt must
   * finish within its start-to-close timeout, or all of it is lost). Asked before every request.
   */
  deadline?: () => number;
  /** Called before every request, retries included: the fetch heartbeats there. */
  beforeRequest?: () => void;
  /** The most bytes one response may have; beyond it the page fails (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Aborts the request in flight and any further one (the activity was cancelled). */
  signal?: AbortSignal;
  /** Records per request (`first`), at most MONDOO_PAGE_SIZE: the connection test reads one. */
  pageSize?: number;
}

export interface AuditLogPage {
  nodes: MondooAuditNode[];
  hasNextPage: boolean;
}

export class MondooAuditLogClient {
  private readonly client: GraphQLClient;
  private readonly options: Required<Omit<MondooClientOptions, 'signal'>> & Pick<MondooClientOptions, 'signal'>;

  constructor(options: MondooClientOptions) {
    this.options = {
      endpoint: options.endpoint,
      token: options.token,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      attemptsPerPage: options.attemptsPerPage ?? 4,
      maxInlineRetryAfterMs: options.maxInlineRetryAfterMs ?? 10_000,
      deadline: options.deadline ?? (() => Infinity),
      beforeRequest: options.beforeRequest ?? (() => undefined),
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      signal: options.signal,
      pageSize: Math.min(options.pageSize ?? MONDOO_PAGE_SIZE, MONDOO_PAGE_SIZE),
    };
    this.client = new GraphQLClient(options.endpoint, {
      headers: { Authorization: `Bearer ${options.token}` },
      fetch: sourceFetch({ service: 'the Mondoo API', maxResponseBytes: this.options.maxResponseBytes }),
    });
  }

  /**
   * Pages through the log of `scopeMrn` in ascending time, strictly after `after` (a whole second),
   * or from the beginning when `after` is null. Cursors live only inside this one pass.
   */
  async *ascendingPages(scopeMrn: string, after: string | null): AsyncGenerator<AuditLogPage> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.pageWithRetries({
        resourceMrn: scopeMrn,
        first: this.options.pageSize,
        after: cursor,
        orderBy: { direction: 'ASC', field: 'TIMESTAMP' },
        timestampFilter: after === null ? undefined : { timestamp: after, operator: 'GT' },
      });
      const { edges, pageInfo } = page.auditlog;
      yield { nodes: edges.map((edge) => edge.node), hasNextPage: pageInfo.hasNextPage };
      if (!pageInfo.hasNextPage || !pageInfo.endCursor || edges.length === 0) return;
      cursor = pageInfo.endCursor;
    }
  }

  private async pageWithRetries(variables: Record<string, unknown>): Promise<z.infer<typeof auditLogPageSchema>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.page(variables);
      } catch (error) {
        if (
          !(error instanceof ExportError) ||
          !error.retryable ||
          error.kind === 'SourceCursorExpired' ||
          attempt >= this.options.attemptsPerPage ||
          this.options.signal?.aborted
        ) {
          throw error;
        }
        const waitMs = error.retryAfterMs ?? Math.min(250 * 2 ** attempt, 5_000);
        if (waitMs > this.options.maxInlineRetryAfterMs || Date.now() + waitMs >= this.options.deadline()) throw error;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private async page(variables: Record<string, unknown>): Promise<z.infer<typeof auditLogPageSchema>> {
    // AbortSignal.timeout wants whole milliseconds.
    const timeoutMs = Math.floor(Math.min(this.options.requestTimeoutMs, this.options.deadline() - Date.now()));
    if (timeoutMs <= 0) throw new ExportError('SourceTimeout', 'the fetch ran out of time before this page (activity deadline)', { retryable: true });
    this.options.beforeRequest();
    let data: unknown;
    try {
      const response = await this.client.rawRequest({
        query: AUDITLOG_QUERY,
        variables,
        signal: this.options.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), this.options.signal]) : AbortSignal.timeout(timeoutMs),
      });
      data = response.data;
    } catch (error) {
      throw classifyMondooError(error, this.options.endpoint);
    }
    const parsed = auditLogPageSchema.safeParse(data);
    if (!parsed.success) {
      throw new ExportError('SourceProtocol', `Mondoo returned an unexpected audit log shape: ${z.prettifyError(parsed.error)}`, { retryable: true });
    }
    return parsed.data;
  }
}

/** Turns what the Mondoo API answered into an error a person can act on (never echoing the token). */
export function classifyMondooError(error: unknown, endpoint: string): ExportError {
  // A redirect or an oversized body, as the source fetch worded it.
  const own = sourceFetchError(error);
  if (own) return own;
  if (error instanceof ClientError) {
    const status = error.response.status;
    const graphQLErrors = error.response.errors ?? [];
    if (status === 401 || status === 403) {
      return new ExportError(
        'SourceAuth',
        `Mondoo rejected the API token (HTTP ${status}). Create an API token with access to the scope and update the integration.`,
        { retryable: false },
      );
    }
    if (status === 429) {
      const retryAfter = Number(error.response.headers?.get?.('retry-after'));
      return new ExportError('SourceRateLimited', 'Mondoo rate limit reached (HTTP 429)', {
        retryable: true,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
      });
    }
    if (status >= 500 || status === 408) {
      return new ExportError('SourceUnavailable', `Mondoo API unavailable (HTTP ${status})`, { retryable: true });
    }
    if (graphQLErrors.length > 0) {
      const codes = graphQLErrors.map((e) => String((e.extensions as { code?: unknown } | undefined)?.code ?? ''));
      const message = graphQLErrors.map((e) => e.message).join('; ');
      if (codes.some((c) => ['NOT_FOUND', 'PERMISSION_DENIED', 'FORBIDDEN', 'UNAUTHENTICATED'].includes(c))) {
        return new ExportError('SourceScope', `Mondoo refused the audit log query: ${message}. Check the scope MRN and the token's access to it.`, {
          retryable: false,
        });
      }
      if (codes.includes('GRAPHQL_VALIDATION_FAILED') || codes.includes('BAD_USER_INPUT')) {
        return new ExportError('SourceProtocol', `Mondoo rejected the audit log query: ${message}`, { retryable: false });
      }
      if (codes.includes('CURSOR_EXPIRED')) {
        // The same cursor never works again; only a new pass (a new fetch) does.
        return new ExportError('SourceCursorExpired', `Mondoo audit log cursor expired: ${message}`, { retryable: true });
      }
      return new ExportError('SourceQueryFailed', `Mondoo audit log query failed: ${message}`, { retryable: true });
    }
    return new ExportError('SourceProtocol', `Mondoo answered HTTP ${status}`, { retryable: status !== 400 && status !== 404 });
  }
  const err = error as Error & { cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new ExportError('SourceTimeout', `Mondoo API did not answer in time (${safeHost(endpoint)})`, { retryable: true });
  }
  const detail = err?.cause?.code ?? err?.message ?? String(error);
  return new ExportError('SourceUnavailable', `Cannot reach the Mondoo API at ${safeHost(endpoint)} (${detail})`, { retryable: true });
}
