// A source endpoint that misbehaves the way an attacker or a misconfigured proxy would: it redirects
// the GraphQL POST elsewhere (where a GET finds an empty, well-formed page), or answers with an endless
// body. It counts what it sent, so a test can prove the client stopped reading.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from '../../sandbox/faults';

export type HostileMode =
  /** 302 to /moved?token=…; a GET of /moved answers an empty audit log page. */
  | 'redirect'
  /** 200 and `hugeBytes` of JSON, streamed without Content-Length. */
  | 'huge'
  /** 200 with a Content-Length of `hugeBytes`, then the same stream. */
  | 'huge-declared';

export interface HostileSource {
  /** The GraphQL endpoint to configure: `<base>/query`. */
  url: string;
  mode: HostileMode;
  /** Body bytes the server managed to hand to the socket. */
  readonly bytesSent: number;
  /** Requests to /moved (a followed redirect). */
  readonly followed: number;
  close(): Promise<void>;
}

const EMPTY_PAGE = { data: { auditlog: { totalCount: 0, edges: [], pageInfo: { startCursor: null, endCursor: null, hasNextPage: false } } } };

export async function createHostileSource(options: { mode: HostileMode; hugeBytes?: number }): Promise<HostileSource> {
  const hugeBytes = options.hugeBytes ?? 200 * 1024 * 1024;
  let bytesSent = 0;
  let followed = 0;
  const chunk = Buffer.alloc(64 * 1024, 'a');

  const streamHuge = (res: http.ServerResponse, declared: boolean) => {
    const head = Buffer.from('{"data":{"auditlog":{"totalCount":1,"edges":[{"cursor":"c","node":{"msg":"');
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(hugeBytes) } : {}) });
    let left = hugeBytes;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const piece = left === hugeBytes ? head : chunk.subarray(0, Math.min(chunk.length, left));
        left -= piece.length;
        bytesSent += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (left <= 0) res.end();
    };
    pump();
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    req.resume();
    if (path === '/moved') {
      followed++;
      return sendJson(res, 200, EMPTY_PAGE);
    }
    if (source.mode === 'redirect') {
      res.writeHead(302, { location: '/moved?token=redirect-secret-42' });
      return void res.end();
    }
    streamHuge(res, source.mode === 'huge-declared');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const source: HostileSource = {
    url: `http://127.0.0.1:${port}/query`,
    mode: options.mode,
    get bytesSent() {
      return bytesSent;
    },
    get followed() {
      return followed;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return source;
}
