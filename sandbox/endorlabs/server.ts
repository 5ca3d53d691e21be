import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENDOR_LABS_DEFAULT_PAGE_SIZE, ENDOR_LABS_MAX_PAGE_SIZE } from '../../activities/sources/endorlabs/types';
import { FaultController, type FaultPolicy, sendJson } from '../faults';
import { FilterError, parseFilter } from './filter';
import { AuditLogStore, type AuditLogStoreOptions } from './store';

/**
 * A fake of Endor Labs' REST API, the two routes the exporter uses, following the real contract:
 * - `POST /v1/auth/api-key` with `{"key","secret"}` → `{"token","expirationTime"}`; 401 for a wrong,
 *   revoked or disabled key.
 * - `GET /v1/namespaces/{ns}/audit-logs` with a bearer token (401 once it expired) and the dotted
 *   `list_parameters.*` query: `filter` on meta.create_time with date(…), `page_size` (default 100,
 *   clamped at 500), `page_token` (an integer offset into the rows matching now), `sort.path`
 *   meta.create_time, `sort.order` SORT_ENTRY_ORDER_ASC|DESC. Answers
 *   `{"list":{"objects":[…],"response":{"next_page_token":<int>}}}`, no token on the last page.
 * - Errors in grpc-gateway's shape `{"code","message","details"}`; 429 with Retry-After as
 *   delta-seconds or as an HTTP date; injectable 5xx, timeouts and dropped responses.
 */
export interface FakeEndorLabsOptions extends AuditLogStoreOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Lifetime of issued tokens. Default 4 hours; tests shorten it to make tokens expire mid-backfill. */
  tokenTtlMs?: number;
  /** Namespaces the key may read; undefined: all. Read on every request, so a test can grant access later. */
  allowedNamespaces?: string[];
  faults?: Partial<FaultPolicy>;
  /** How 429s say when to come back. Default `seconds`. */
  retryAfterFormat?: 'seconds' | 'http-date';
  store?: AuditLogStore;
}

export interface FakeEndorLabs {
  /** Base URL, e.g. http://127.0.0.1:4321 (the `endpoint` of an integration). */
  url: string;
  apiKey: string;
  apiSecret: string;
  store: AuditLogStore;
  faults: FaultController;
  /** False: the key is disabled (auth answers 401 and issued tokens stop working) until set back. */
  keyEnabled: boolean;
  /** Answers every audit-log request with a redirect to this URL (a hijacked or misconfigured endpoint). */
  redirectTo: string | undefined;
  /** Ends every issued session at once (as a server-side revocation or restart would): their next use is a 401. */
  revokeTokens(): void;
  readonly stats: { tokensIssued: number; expiredTokenRejections: number; listRequests: number; requests: number; maxPageSizeSeen: number };
  close(): Promise<void>;
}

const AUDIT_LOGS = /^\/v1\/namespaces\/([^/]+)\/audit-logs$/;
const MAX_BODY_BYTES = 64 * 1024;

const grpcError = (res: http.ServerResponse, status: number, code: number, message: string, headers: http.OutgoingHttpHeaders = {}) =>
  sendJson(res, status, { code, message, details: [] }, headers);

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

export async function createFakeEndorLabs(options: FakeEndorLabsOptions = {}): Promise<FakeEndorLabs> {
  const store = options.store ?? new AuditLogStore(options);
  const faults = new FaultController(options.faults);
  const tokens = new Map<string, number>(); // token -> expiry (epoch ms, store clock)
  const stats = { tokensIssued: 0, expiredTokenRejections: 0, listRequests: 0, requests: 0, maxPageSizeSeen: 0 };
  const tokenTtlMs = options.tokenTtlMs ?? 4 * 3_600_000;
  const state = {
    apiKey: options.apiKey ?? 'endr+fake-key',
    apiSecret: options.apiSecret ?? 'endr+fake-secret',
    keyEnabled: true,
    redirectTo: undefined as string | undefined,
  };

  const tooManyRequests = (res: http.ServerResponse) => {
    const seconds = faults.policy.retryAfterSeconds;
    const retryAfter = options.retryAfterFormat === 'http-date' ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds);
    grpcError(res, 429, 8, 'too many requests', { 'retry-after': retryAfter });
  };

  const authenticate = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'POST') return grpcError(res, 405, 12, 'method not allowed', { allow: 'POST' });
    const text = await readBody(req);
    let body: { key?: unknown; secret?: unknown } = {};
    try {
      body = JSON.parse(text ?? '') as typeof body;
    } catch {
      return grpcError(res, 400, 3, 'request body is not JSON');
    }
    if (typeof body.key !== 'string' || typeof body.secret !== 'string') return grpcError(res, 400, 3, 'key and secret are required');
    if (!state.keyEnabled || body.key !== state.apiKey || body.secret !== state.apiSecret) return grpcError(res, 401, 16, 'invalid API key or secret');
    const token = `endor-${randomBytes(18).toString('base64url')}`;
    const expiresAt = store.now() + tokenTtlMs;
    tokens.set(token, expiresAt);
    stats.tokensIssued++;
    sendJson(res, 200, { token, expirationTime: new Date(expiresAt).toISOString() });
  };

  const listAuditLogs = (req: http.IncomingMessage, res: http.ServerResponse, namespace: string, query: URLSearchParams) => {
    if (req.method !== 'GET') return grpcError(res, 405, 12, 'method not allowed', { allow: 'GET' });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || !state.keyEnabled) return grpcError(res, 401, 16, 'request not authenticated');
    if (store.now() >= expiresAt) {
      stats.expiredTokenRejections++;
      return grpcError(res, 401, 16, 'token expired');
    }
    if (options.allowedNamespaces && !options.allowedNamespaces.includes(namespace)) {
      return grpcError(res, 403, 7, `permission denied: the API key has no access to namespace ${namespace}`);
    }
    if (state.redirectTo !== undefined) {
      res.writeHead(302, { location: state.redirectTo });
      return res.end();
    }
    stats.listRequests++;
    const sizeText = query.get('list_parameters.page_size');
    const tokenText = query.get('list_parameters.page_token');
    const sortPath = query.get('list_parameters.sort.path');
    const sortOrder = query.get('list_parameters.sort.order') ?? 'SORT_ENTRY_ORDER_ASC';
    if (sizeText !== null && !/^\d+$/.test(sizeText)) return grpcError(res, 400, 3, `invalid list_parameters.page_size ${JSON.stringify(sizeText)}`);
    if (tokenText !== null && tokenText !== '' && !/^\d+$/.test(tokenText))
      return grpcError(res, 400, 3, `invalid list_parameters.page_token ${JSON.stringify(tokenText)}`);
    if (sortPath !== null && sortPath !== 'meta.create_time') return grpcError(res, 400, 3, `unsupported sort path ${JSON.stringify(sortPath)} in this fake`);
    if (sortOrder !== 'SORT_ENTRY_ORDER_ASC' && sortOrder !== 'SORT_ENTRY_ORDER_DESC')
      return grpcError(res, 400, 3, `invalid list_parameters.sort.order ${JSON.stringify(sortOrder)}`);
    let clauses;
    try {
      clauses = parseFilter(query.get('list_parameters.filter'));
    } catch (error) {
      if (error instanceof FilterError) return grpcError(res, 400, 3, error.message);
      throw error;
    }
    const requested = sizeText === null || Number(sizeText) === 0 ? ENDOR_LABS_DEFAULT_PAGE_SIZE : Number(sizeText);
    stats.maxPageSizeSeen = Math.max(stats.maxPageSizeSeen, requested);
    const pageSize = Math.min(requested, ENDOR_LABS_MAX_PAGE_SIZE);
    const offset = tokenText ? Number(tokenText) : 0;
    const rows = store.matching(namespace, clauses);
    if (sortOrder === 'SORT_ENTRY_ORDER_DESC') rows.reverse();
    const objects = rows.slice(offset, offset + pageSize).map((row) => row.record);
    const more = offset + pageSize < rows.length;
    sendJson(res, 200, { list: { objects, response: more ? { next_page_token: offset + pageSize } : {} } });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/v1/auth/api-key') return authenticate(req, res);
    const match = AUDIT_LOGS.exec(url.pathname);
    if (match) return listAuditLogs(req, res, decodeURIComponent(match[1]!), url.searchParams);
    grpcError(res, 404, 5, 'not found');
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    const kind = faults.next();
    if (kind === '429') {
      req.resume();
      return tooManyRequests(res);
    }
    if (kind === '5xx') {
      req.resume();
      const status = faults.pickServerErrorStatus();
      return sendJson(res, status, { code: 14, message: http.STATUS_CODES[status] ?? 'unavailable', details: [] });
    }
    if (kind === 'timeout') {
      req.resume();
      return faults.hold(req);
    }
    if (kind === 'drop-response') {
      res.write = (() => true) as typeof res.write;
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as typeof res.end;
    }
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) grpcError(res, 500, 13, err instanceof Error ? err.message : String(err));
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
    get apiKey() {
      return state.apiKey;
    },
    get apiSecret() {
      return state.apiSecret;
    },
    store,
    faults,
    get keyEnabled() {
      return state.keyEnabled;
    },
    set keyEnabled(enabled: boolean) {
      state.keyEnabled = enabled;
    },
    get redirectTo() {
      return state.redirectTo;
    },
    set redirectTo(url: string | undefined) {
      state.redirectTo = url;
    },
    stats,
    revokeTokens: () => tokens.clear(),
    close: async () => {
      faults.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
