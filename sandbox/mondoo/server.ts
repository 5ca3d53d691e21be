import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FaultPolicy, FaultController, applyFault, createRateLimiter, sendJson, sendTooManyRequests } from '../faults';
import { type AppenderOptions, startAppender } from './appender';
import { CursorCodec } from './cursor';
import { EventStore, type EventStoreOptions } from './event-store';
import { type GraphQLRequestBody, createExecutor, createRootValue } from './schema';

/**
 * A fake of Mondoo's GraphQL API (`POST <base>/query`) serving the audit log from an EventStore.
 * Follows the real contract: bearer auth (401 otherwise), GraphQL errors as HTTP 200, DESC by default,
 * `first` capped at 100, strict GT/LT at one-second precision, org scope includes its spaces, keyset
 * cursors that expire, ingestion delay, plus injectable faults and rate limits.
 */
export interface FakeMondooOptions extends EventStoreOptions {
  /** Default 0: a free port. */
  port?: number;
  host?: string;
  token?: string;
  /** Cursor lifetime on the server clock. Default 60_000. */
  cursorTtlMs?: number;
  maxPageSize?: number;
  defaultPageSize?: number;
  /** If set, the token may only read these scopes (orgs cover their spaces); others get PERMISSION_DENIED. */
  allowedScopes?: string[];
  faults?: Partial<FaultPolicy>;
  rateLimit?: { requestsPerSecond: number };
  /** Use an existing store instead of building one from the store options. */
  store?: EventStore;
}

export interface FakeMondoo {
  /** The full GraphQL endpoint, `http://127.0.0.1:<port>/query`. */
  url: string;
  token: string;
  store: EventStore;
  faults: FaultController;
  /** Replaces the server clock (visibility and cursor expiry). */
  setNow(now: () => number): void;
  /** HTTP requests received so far, including rejected and faulted ones. */
  readonly requests: number;
  /** Starts adding events over time; returns the stop function. Stopped on close too. */
  startAppender(options: AppenderOptions): () => void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function createFakeMondoo(options: FakeMondooOptions = {}): Promise<FakeMondoo> {
  const store = options.store ?? new EventStore(options);
  const token = options.token ?? 'fake-mondoo-token';
  const faults = new FaultController(options.faults);
  const limiter = options.rateLimit ? createRateLimiter(options.rateLimit) : undefined;
  const cursors = new CursorCodec(options.cursorTtlMs ?? 60_000, () => store.now());
  const executeQuery = createExecutor(
    createRootValue({ store, cursors, maxPageSize: options.maxPageSize, defaultPageSize: options.defaultPageSize, allowedScopes: options.allowedScopes }),
  );
  const appenders = new Set<() => void>();
  let requests = 0;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path !== '/query') return sendJson(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    // Auth is checked before the body is parsed, like an API gateway in front of the GraphQL server.
    if (req.headers.authorization !== `Bearer ${token}`) {
      req.resume();
      return sendJson(res, 401, { code: 16, message: 'request permission unauthenticated', error: 'unauthenticated' });
    }
    const text = await readBody(req);
    if (text === undefined) return sendJson(res, 413, { error: 'request body too large' });
    let body: GraphQLRequestBody;
    try {
      body = JSON.parse(text) as GraphQLRequestBody;
    } catch {
      return sendJson(res, 400, { errors: [{ message: 'request body is not JSON', extensions: { code: 'BAD_REQUEST' } }] });
    }
    if (typeof body !== 'object' || body === null || typeof body.query !== 'string') {
      return sendJson(res, 400, { errors: [{ message: 'request has no query', extensions: { code: 'BAD_REQUEST' } }] });
    }
    // Every GraphQL-level outcome, errors included, is HTTP 200.
    sendJson(res, 200, await executeQuery(body));
  };

  const server = http.createServer((req, res) => {
    requests++;
    applyFault(faults, req, res, () => {
      const retryAfter = limiter?.take();
      if (retryAfter !== undefined) {
        req.resume();
        return sendTooManyRequests(res, retryAfter);
      }
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}/query`,
    token,
    store,
    faults,
    setNow: (now) => store.setNow(now),
    get requests() {
      return requests;
    },
    startAppender(appenderOptions) {
      const stop = startAppender(store, appenderOptions);
      appenders.add(stop);
      return () => {
        appenders.delete(stop);
        stop();
      };
    },
    close: async () => {
      for (const stop of appenders) stop();
      faults.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
