import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Deterministic fault injection for fake HTTP servers and a reverse proxy in front of real ones.
 * Retries, backoff and idempotent writes are only trustworthy if they are exercised against the same
 * failures production sees: throttling, gateway errors, hung requests and responses lost after the
 * server already acted on the request.
 */
export type FaultKind = '5xx' | '429' | 'timeout' | 'drop-response' | 'trickle';

export interface FaultPolicy {
  /** Probability (0..1) that a request gets one of `kinds`. */
  rate: number;
  kinds: FaultKind[];
  /** Value of the Retry-After header on 429s. */
  retryAfterSeconds?: number;
  /** Seed of the PRNG that decides which requests fail, so a failing run can be replayed. */
  seed?: number;
  /** How long a `timeout` fault holds the request before dropping the connection unanswered (a `trickle` too). */
  timeoutMs?: number;
  /** A `trickle` answers 200 at once, then sends one byte of whitespace every this many ms and never ends. */
  trickleIntervalMs?: number;
}

const DEFAULT_POLICY: Required<FaultPolicy> = { rate: 0, kinds: ['5xx'], retryAfterSeconds: 1, seed: 1, timeoutMs: 30_000, trickleIntervalMs: 250 };

/** mulberry32: tiny, fast, good enough for test randomness, and reproducible from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides which request gets which fault: first the explicit `failNext` queue, then the random policy. */
export class FaultController {
  policy: Required<FaultPolicy>;
  /** How many faults of each kind were injected so far (tests assert on these). */
  readonly injected: Record<FaultKind, number> = { '5xx': 0, '429': 0, timeout: 0, 'drop-response': 0, trickle: 0 };
  private random: () => number;
  private readonly queue: FaultKind[] = [];
  private readonly held = new Set<{ timer: NodeJS.Timeout; socket: import('node:net').Socket }>();

  constructor(policy: Partial<FaultPolicy> = {}) {
    this.policy = { ...DEFAULT_POLICY, ...policy };
    this.random = mulberry32(this.policy.seed);
  }

  /** Replaces parts of the policy; a new seed restarts the random sequence. */
  setPolicy(policy: Partial<FaultPolicy>): void {
    this.policy = { ...this.policy, ...policy };
    if (policy.seed !== undefined) this.random = mulberry32(policy.seed);
  }

  /** The next `count` requests fail with `kind`, regardless of the rate: for deterministic tests. */
  failNext(kind: FaultKind, count = 1): void {
    for (let k = 0; k < count; k++) this.queue.push(kind);
  }

  /** Clears queued faults and turns random faults off. */
  reset(): void {
    this.queue.length = 0;
    this.policy = { ...this.policy, rate: 0 };
  }

  /** The fault for the request being handled now, or undefined to let it through. Counts it as injected. */
  next(): FaultKind | undefined {
    let kind = this.queue.shift();
    if (kind === undefined && this.policy.rate > 0 && this.policy.kinds.length > 0 && this.random() < this.policy.rate) {
      kind = this.policy.kinds[Math.floor(this.random() * this.policy.kinds.length)];
    }
    if (kind !== undefined) this.injected[kind]++;
    return kind;
  }

  /** A 5xx status, chosen like a flaky load balancer would: mostly 503, some 502 and 500. */
  pickServerErrorStatus(): number {
    const r = this.random();
    return r < 0.5 ? 503 : r < 0.8 ? 502 : 500;
  }

  /** Keeps the connection open without answering, then drops it: the client must time out on its own. */
  hold(req: http.IncomingMessage): void {
    const socket = req.socket;
    const entry = {
      socket,
      timer: setTimeout(() => {
        this.held.delete(entry);
        socket.destroy();
      }, this.policy.timeoutMs),
    };
    this.held.add(entry);
    socket.once('close', () => {
      clearTimeout(entry.timer);
      this.held.delete(entry);
    });
  }

  /**
   * A source that never finishes its answer: status 200 at once, then a byte of whitespace (valid before
   * JSON) every `trickleIntervalMs`, so an idle timeout never fires, until `timeoutMs` drops it.
   */
  trickle(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    const drip = setInterval(() => res.write(' '), this.policy.trickleIntervalMs);
    req.socket.once('close', () => clearInterval(drip));
    this.hold(req);
  }

  /** Drops every held request now (servers call this on close so no timer outlives a test). */
  releaseAll(): void {
    for (const entry of this.held) {
      clearTimeout(entry.timer);
      entry.socket.destroy();
    }
    this.held.clear();
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendTooManyRequests(res: http.ServerResponse, retryAfterSeconds: number): void {
  sendJson(res, 429, { error: 'too many requests', retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * Makes the handler's response vanish: the handler still runs (so side effects happen), but instead of
 * sending its answer the socket is destroyed. Models "the upload succeeded but the client never heard".
 */
export function dropResponseOf(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.write = (() => true) as typeof res.write;
  res.end = (() => {
    req.socket.destroy();
    return res;
  }) as typeof res.end;
}

/**
 * Middleware-style helper for node:http handlers: answers with the injected fault, or calls `next()`.
 * For `drop-response` it calls `next()` with a response whose output is swallowed.
 */
export function applyFault(faults: FaultController, req: http.IncomingMessage, res: http.ServerResponse, next: () => void): void {
  const kind = faults.next();
  switch (kind) {
    case undefined:
      return next();
    case '429':
      return sendTooManyRequests(res, faults.policy.retryAfterSeconds);
    case '5xx': {
      const status = faults.pickServerErrorStatus();
      return sendJson(res, status, { error: http.STATUS_CODES[status] ?? 'server error', injected: true });
    }
    case 'timeout':
      req.resume(); // read the body so the client's upload completes and it waits on the response
      return faults.hold(req);
    case 'trickle':
      return faults.trickle(req, res);
    case 'drop-response':
      dropResponseOf(req, res);
      return next();
  }
}

/** Fixed one-second windows: crude, but it is what many SaaS gateways do, and it is predictable. */
export function createRateLimiter(options: { requestsPerSecond: number }, clock: () => number = Date.now) {
  let windowStart = 0;
  let used = 0;
  return {
    /** Undefined if the request may proceed, else the Retry-After seconds to send with a 429. */
    take(): number | undefined {
      const now = clock();
      const window = Math.floor(now / 1000) * 1000;
      if (window !== windowStart) {
        windowStart = window;
        used = 0;
      }
      if (used < options.requestsPerSecond) {
        used++;
        return undefined;
      }
      return Math.max(1, Math.ceil((windowStart + 1000 - now) / 1000));
    },
  };
}

export interface FaultProxy {
  /** Base URL of the proxy; request paths are forwarded unchanged (appended to the target's path). */
  url: string;
  /** The proxy's fault controller: change the policy or queue faults while it runs. */
  policy: FaultController;
  close(): Promise<void>;
}

/**
 * A streaming HTTP reverse proxy that injects faults in front of any HTTP server (a fake, an emulator,
 * a real service). `timeout`, `429` and `5xx` never reach the target; `drop-response` does, and the
 * client's socket is destroyed once the target has answered.
 */
export async function createFaultProxy(options: {
  target: string;
  policy?: Partial<FaultPolicy> | FaultController;
  host?: string;
  port?: number;
  /** Forward the client's Host header unchanged: a SigV4 signature covers it (an S3 server checks it). */
  preserveHost?: boolean;
  /** Sees every request's method and URL before any fault: lets a test observe what a client sent. */
  onRequest?: (method: string, url: string) => void;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const basePath = target.pathname.replace(/\/$/, '');
  const faults = options.policy instanceof FaultController ? options.policy : new FaultController(options.policy);
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    options.onRequest?.(req.method ?? 'GET', req.url ?? '/');
    const kind = faults.next();
    if (kind === '429') return sendTooManyRequests(res, faults.policy.retryAfterSeconds);
    if (kind === '5xx') return sendJson(res, faults.pickServerErrorStatus(), { error: 'injected by fault proxy' });
    if (kind === 'timeout') {
      req.resume();
      return faults.hold(req);
    }
    if (kind === 'trickle') return faults.trickle(req, res);
    const upstream = http.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: basePath + (req.url ?? '/'),
        headers: options.preserveHost ? req.headers : { ...req.headers, host: target.host },
        agent,
      },
      (upRes) => {
        if (kind === 'drop-response') {
          upRes.resume();
          upRes.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) sendJson(res, 502, { error: `fault proxy: upstream failed: ${err.message}` });
      else res.destroy();
    });
    // A client that gives up mid-request must not leave the upstream request dangling.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    policy: faults,
    close: async () => {
      faults.releaseAll();
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
