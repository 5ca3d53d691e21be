// A checking reverse proxy in front of the GCS emulator, which itself ignores auth: every request must
// carry an access token the fake token services issued and that is still live, and its principal must
// not be refused. So each credential kind is proven end to end, not just "some header was sent".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from '../../../sandbox/faults';
import type { FakeGcp } from './server';

export interface GcsAuthProxy {
  url: string;
  /** Principals answered 401 (as GCS does for a revoked or expired token) until removed. */
  refused: Set<string>;
  /**
   * Principals without storage.objects.create: their object uploads get GCS's 403, as a principal
   * with only read access (or none on this bucket) does.
   */
  writeDenied: Set<string>;
  /** Principals of the requests let through, in order. */
  accepted: string[];
  /** Requests answered 401. */
  rejected: number;
  close(): Promise<void>;
}

const invalidCredentials = {
  error: {
    code: 401,
    message: 'Invalid Credentials',
    errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', locationType: 'header', location: 'Authorization' }],
  },
};

const uploadDenied = (principal: string) => {
  const message = `${principal.replace(/^serviceAccount:/, '')} does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).`;
  return { error: { code: 403, message, errors: [{ message, domain: 'global', reason: 'forbidden' }] } };
};

export async function createGcsAuthProxy(options: { target: string; gcp: FakeGcp }): Promise<GcsAuthProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal = token ? options.gcp.principalOf(token) : undefined;
    if (!principal || proxy.refused.has(principal)) {
      proxy.rejected++;
      req.resume();
      return sendJson(res, 401, invalidCredentials, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
    }
    if (proxy.writeDenied.has(principal) && req.method === 'POST' && req.url?.startsWith('/upload/storage/v1/b/')) {
      req.resume();
      return sendJson(res, 403, uploadDenied(principal));
    }
    proxy.accepted.push(principal);
    const { authorization: _drop, ...headers } = req.headers;
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, host: target.host }, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (err) => (res.headersSent ? res.destroy() : sendJson(res, 502, { error: `auth proxy: ${err.message}` })));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: GcsAuthProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: new Set(),
    writeDenied: new Set(),
    accepted: [],
    rejected: 0,
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
