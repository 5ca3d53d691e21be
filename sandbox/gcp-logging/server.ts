import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timestampKey } from '../../activities/sources/gcp-audit-logs/query';
import { CLOUD_LOGGING_MAX_FILTER_CHARS, CLOUD_LOGGING_MAX_PAGE_SIZE, CLOUD_LOGGING_QUOTA_PER_MINUTE } from '../../activities/sources/gcp-audit-logs/types';
import { dropResponseOf, FaultController, sendJson, type FaultPolicy } from '../faults';
import { FilterError, logIdsOf, lowerBound, matches, parseFilter } from './filter';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { isAfter, LogEntryStore, type Position } from './store';

/**
 * A fake of Cloud Logging's `POST /v2/entries:list`, following the real contract:
 * - a body `{resourceNames, filter, orderBy, pageSize, pageToken}`; `resourceNames` of projects,
 *   folders, organizations and billing accounts; `orderBy` "timestamp asc" (ties by insertId) or
 *   "timestamp desc"; `pageSize` default 50, over 1000 rejected; a filter over 20,000 characters rejected;
 * - OAuth bearer tokens (401 UNAUTHENTICATED otherwise) and IAM per resource: roles/logging.viewer,
 *   plus roles/logging.privateLogViewer for Data Access logs (403 PERMISSION_DENIED otherwise);
 * - a quota of read requests per minute per resource named (default 60): over it, HTTP 429
 *   RESOURCE_EXHAUSTED with no Retry-After;
 * - the search covers `searchWindowMs` of timestamps per request, so a gap in the log answers pages
 *   with no entries and a nextPageToken (and `emptyPagesNext(n)` forces such pages);
 * - Google's error JSON `{"error":{"code","message","status","details"}}`; injectable 5xx,
 *   timeouts and dropped responses.
 */
export interface FakeCloudLoggingOptions {
  port?: number;
  host?: string;
  store?: LogEntryStore;
  now?: () => number;
  /** Principal of a bearer token, or undefined when it is not valid (e.g. FakeGcp.principalOf). Default: `accessToken` only. */
  principalOf?: (token: string) => string | undefined;
  /** False: a request without a token is served as `anonymous` (a local sandbox). Default true. */
  requireAuth?: boolean;
  /** `all` (default): every valid token may read everything; `explicit`: only what `grant` allowed. */
  iam?: 'all' | 'explicit';
  quotaPerMinute?: number;
  /** The quota's window; tests shorten it. Default 60 s. */
  quotaWindowMs?: number;
  /** Timestamps one request searches; a longer gap answers an empty page with a token. Default one hour. */
  searchWindowMs?: number;
  faults?: Partial<FaultPolicy>;
}

export const VIEWER = 'roles/logging.viewer';
export const PRIVATE_LOG_VIEWER = 'roles/logging.privateLogViewer';
const DATA_ACCESS_LOG = 'cloudaudit.googleapis.com/data_access';
const RESOURCE_NAME =
  /^(projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]|folders\/\d+|organizations\/\d+|billingAccounts\/[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6})$/;
const MAX_BODY_BYTES = 256 * 1024;

export interface FakeCloudLogging {
  /** Base URL, e.g. http://127.0.0.1:4321 (the `endpoint` of an integration). */
  url: string;
  /** A token that is valid when no `principalOf` was given. */
  accessToken: string;
  store: LogEntryStore;
  faults: FaultController;
  iam: 'all' | 'explicit';
  grant(principal: string, resourceName: string, role: string): void;
  revoke(principal: string, resourceName: string, role: string): void;
  /** The next `n` successful lists answer no entries and a token that resumes where they were. */
  emptyPagesNext(n: number): void;
  readonly stats: {
    requests: number;
    listRequests: number;
    rateLimited: number;
    emptyPagesWithToken: number;
    maxPageSizeSeen: number;
    /** Most requests on one resource within any quota window. */
    peakPerWindow: number;
    filters: string[];
  };
  close(): Promise<void>;
}

const googleError = (res: http.ServerResponse, code: number, status: string, message: string, details: unknown[] = []) =>
  sendJson(res, code, { error: { code, message, status, details } });

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface PageToken extends Position {
  /** The query the token belongs to: a token used with another query is refused. */
  q: string;
  /** How far the next request searches (ms of timestamps). */
  w?: number;
}

const encodeToken = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString('base64url');
function decodeToken(text: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
    return typeof t.time === 'string' && typeof t.insertId === 'string' && typeof t.id === 'number' && typeof t.q === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** The first instant of the window after `time`, as a position: every entry before it was searched. */
function windowEnd(time: string, windowMs: number): Position {
  const ms = Date.parse(time.slice(0, 23) + 'Z') + windowMs;
  return { time: timestampKey(new Date(ms).toISOString())!, insertId: '', id: -1 };
}

export async function createFakeCloudLogging(options: FakeCloudLoggingOptions = {}): Promise<FakeCloudLogging> {
  const store = options.store ?? new LogEntryStore({ now: options.now });
  const faults = new FaultController(options.faults);
  const accessToken = 'ya29.fake-cloud-logging-token';
  const principalOf =
    options.principalOf ?? ((token: string) => (token === accessToken ? 'serviceAccount:auditflow-reader@fake.iam.gserviceaccount.com' : undefined));
  const quotaPerMinute = options.quotaPerMinute ?? CLOUD_LOGGING_QUOTA_PER_MINUTE;
  const quotaWindowMs = options.quotaWindowMs ?? 60_000;
  const searchWindowMs = options.searchWindowMs ?? 3_600_000;
  const grants = new Set<string>();
  const recent = new Map<string, number[]>(); // resource -> request times (real clock) in the quota window
  const state = { iam: options.iam ?? 'all', emptyPages: 0 };
  const stats: FakeCloudLogging['stats'] = {
    requests: 0,
    listRequests: 0,
    rateLimited: 0,
    emptyPagesWithToken: 0,
    maxPageSizeSeen: 0,
    peakPerWindow: 0,
    filters: [],
  };
  const grantKey = (principal: string, resource: string, role: string) => `${principal}\n${resource}\n${role}`;
  const has = (principal: string, resource: string, role: string) => state.iam === 'all' || grants.has(grantKey(principal, resource, role));

  const quotaExceeded = (resources: string[]): boolean => {
    const now = Date.now();
    const windows = resources.map((r) => {
      const times = (recent.get(r) ?? []).filter((t) => t > now - quotaWindowMs);
      recent.set(r, times);
      return times;
    });
    if (windows.some((times) => times.length >= quotaPerMinute)) return true;
    for (const times of windows) {
      times.push(now);
      stats.peakPerWindow = Math.max(stats.peakPerWindow, times.length);
    }
    return false;
  };

  const list = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal = token === undefined ? (options.requireAuth === false ? 'anonymous' : undefined) : principalOf(token);
    if (principal === undefined) {
      req.resume();
      return googleError(
        res,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
    }
    const text = await readBody(req);
    let body: { resourceNames?: unknown; filter?: unknown; orderBy?: unknown; pageSize?: unknown; pageToken?: unknown };
    try {
      body = JSON.parse(text ?? '') as typeof body;
    } catch {
      return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const resourceNames = body.resourceNames;
    if (!Array.isArray(resourceNames) || resourceNames.length === 0 || !resourceNames.every((r): r is string => typeof r === 'string')) {
      return googleError(res, 400, 'INVALID_ARGUMENT', 'resourceNames: at least one resource name is required');
    }
    const badName = resourceNames.find((r) => !RESOURCE_NAME.test(r));
    if (badName !== undefined) return googleError(res, 400, 'INVALID_ARGUMENT', `Invalid resource name: ${badName}`);
    const filterText = typeof body.filter === 'string' ? body.filter : '';
    if (filterText.length > CLOUD_LOGGING_MAX_FILTER_CHARS)
      return googleError(res, 400, 'INVALID_ARGUMENT', `filter is longer than ${CLOUD_LOGGING_MAX_FILTER_CHARS} characters`);
    const orderBy = typeof body.orderBy === 'string' ? body.orderBy.trim().toLowerCase() : 'timestamp asc';
    if (orderBy !== 'timestamp asc' && orderBy !== 'timestamp desc')
      return googleError(res, 400, 'INVALID_ARGUMENT', `Invalid orderBy: ${String(body.orderBy)}`);
    const pageSize = body.pageSize === undefined ? 50 : Number(body.pageSize);
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > CLOUD_LOGGING_MAX_PAGE_SIZE) {
      return googleError(res, 400, 'INVALID_ARGUMENT', `pageSize must be between 0 and ${CLOUD_LOGGING_MAX_PAGE_SIZE}`);
    }
    let filter;
    try {
      filter = parseFilter(filterText);
    } catch (error) {
      if (error instanceof FilterError) return googleError(res, 400, 'INVALID_ARGUMENT', error.message);
      throw error;
    }
    // IAM: every resource needs the viewer role, and the private viewer role when Data Access logs may match.
    const logIds = logIdsOf(filter);
    const readsPrivate = logIds === undefined || logIds.includes(DATA_ACCESS_LOG);
    for (const resource of resourceNames) {
      if (!has(principal, resource, VIEWER)) {
        return googleError(res, 403, 'PERMISSION_DENIED', `Permission 'logging.logEntries.list' denied on resource (or it may not exist).`, [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'iam.googleapis.com',
            metadata: { permission: 'logging.logEntries.list', resource },
          },
        ]);
      }
      if (readsPrivate && !has(principal, resource, PRIVATE_LOG_VIEWER)) {
        return googleError(res, 403, 'PERMISSION_DENIED', `Permission 'logging.privateLogEntries.list' denied on resource (or it may not exist).`, [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'iam.googleapis.com',
            metadata: { permission: 'logging.privateLogEntries.list', resource },
          },
        ]);
      }
    }
    if (quotaExceeded(resourceNames)) {
      stats.rateLimited++;
      // No Retry-After: Google's quota errors say only which quota ran out.
      return googleError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com'.`,
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'googleapis.com',
            metadata: { quota_limit: 'ReadRequestsPerMinutePerProject', service: 'logging.googleapis.com' },
          },
        ],
      );
    }
    stats.listRequests++;
    stats.filters.push(filterText);
    stats.maxPageSizeSeen = Math.max(stats.maxPageSizeSeen, pageSize);

    const query = createHash('sha256')
      .update(JSON.stringify([[...resourceNames].sort(), filterText, orderBy]))
      .digest('base64url')
      .slice(0, 16);
    let position: PageToken | undefined;
    if (typeof body.pageToken === 'string' && body.pageToken !== '') {
      const decoded = decodeToken(body.pageToken);
      if (!decoded || decoded.q !== query)
        return googleError(res, 400, 'INVALID_ARGUMENT', 'page_token does not match the request (resource names, filter or order changed)');
      position = decoded;
    }
    const tokenAt = (p: Position, w?: number) => encodeToken({ time: p.time, insertId: p.insertId, id: p.id, q: query, ...(w === undefined ? {} : { w }) });

    if (state.emptyPages > 0) {
      state.emptyPages--;
      stats.emptyPagesWithToken++;
      return sendJson(res, 200, { nextPageToken: tokenAt(position ?? { time: '', insertId: '', id: -1 }) });
    }

    if (orderBy === 'timestamp desc') {
      // Descending reads are not what auditflow does: no search windows, plain pages.
      const candidates = store
        .visible(resourceNames)
        .reverse()
        .filter((row) => position === undefined || isAfter(position, row));
      const page = candidates.filter((row) => matches(filter, row.entry)).slice(0, pageSize || 50);
      const more = candidates.filter((row) => matches(filter, row.entry)).length > page.length;
      return sendJson(res, 200, { entries: page.map((r) => r.entry), ...(more ? { nextPageToken: tokenAt(page.at(-1)!) } : {}) });
    }
    // The search starts at the position, or on a first request at the oldest entry it holds from the
    // query's lower bound on, and covers a window of timestamps per request: a gap in the log answers
    // pages with no entries and a token, each searching twice as far as the one before.
    const first = store.visibleSince(resourceNames, { after: position }).next().value;
    if (first === undefined) return sendJson(res, 200, {});
    const lower = lowerBound(filter);
    const start = position?.time || (lower !== undefined && lower > first.time ? lower : first.time);
    const window = position?.w ?? searchWindowMs;
    const end = windowEnd(start, window);
    const page: GcpLogEntry[] = [];
    let last: Position | undefined;
    let searchedAll = true;
    // Entries before the filter's lower bound cannot match: the walk starts at it.
    for (const row of store.visibleSince(resourceNames, { after: position, time: lower })) {
      if (!isAfter(end, row)) {
        searchedAll = false;
        break;
      }
      if (!matches(filter, row.entry)) continue;
      if (page.length >= (pageSize || 50)) {
        searchedAll = false;
        break;
      }
      page.push(row.entry);
      last = row;
    }
    if (searchedAll) return sendJson(res, 200, page.length > 0 ? { entries: page } : {});
    const full = page.length >= (pageSize || 50);
    const next = full ? last! : end;
    if (page.length === 0) stats.emptyPagesWithToken++;
    const nextWindow = page.length === 0 ? window * 2 : searchWindowMs;
    sendJson(res, 200, { ...(page.length > 0 ? { entries: page } : {}), nextPageToken: tokenAt(next, nextWindow) });
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/v2/entries:list') {
      req.resume();
      return googleError(res, 404, 'NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return googleError(res, 405, 'METHOD_NOT_ALLOWED', 'Only POST is supported.');
    }
    const kind = faults.next();
    if (kind === '429') {
      req.resume();
      stats.rateLimited++;
      return googleError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com'.`,
      );
    }
    if (kind === '5xx') {
      req.resume();
      const status = faults.pickServerErrorStatus();
      return googleError(res, status, status === 503 ? 'UNAVAILABLE' : 'INTERNAL', http.STATUS_CODES[status] ?? 'unavailable');
    }
    if (kind === 'timeout') {
      req.resume();
      return faults.hold(req);
    }
    if (kind === 'trickle') return faults.trickle(req, res);
    if (kind === 'drop-response') dropResponseOf(req, res);
    list(req, res).catch((err: unknown) => {
      if (!res.headersSent) googleError(res, 500, 'INTERNAL', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    accessToken,
    store,
    faults,
    get iam() {
      return state.iam;
    },
    set iam(mode: 'all' | 'explicit') {
      state.iam = mode;
    },
    grant: (principal, resource, role) => void grants.add(grantKey(principal, resource, role)),
    revoke: (principal, resource, role) => void grants.delete(grantKey(principal, resource, role)),
    emptyPagesNext: (n) => {
      state.emptyPages += n;
    },
    stats,
    close: async () => {
      faults.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
