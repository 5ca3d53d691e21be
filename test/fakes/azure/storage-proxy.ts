// A checking reverse proxy in front of Azurite, which does not verify Entra tokens: every request must
// carry an access token the fake Entra issued and that is still live, and its principal needs a role on
// the container (Azure RBAC's data actions: write to create a blob, read to read its properties), or it
// is answered as Azure answers (401 InvalidAuthenticationInfo, 403 AuthorizationPermissionMismatch).
// Allowed requests go on to Azurite signed with an account SAS, which Azurite verifies.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { FakeEntra } from './entra';
import { testCertificate } from './tls';

/** Storage Blob Data Contributor reads and writes; the least-privilege custom role only writes. */
export type BlobRole = 'Storage Blob Data Contributor' | 'blob writer (custom: blobs/write, blobs/add/action)';

export interface AzureStorageProxy {
  /** The account's blob endpoint through the proxy (https://127.0.0.1:<port>/<account>). */
  url: string;
  /** az role assignment create: `role` for `principal` (a client id) on `container`. */
  assign(principal: string, container: string, role: BlobRole): void;
  unassign(principal: string, container: string): void;
  /** Principals of the requests let through, in order. */
  accepted: string[];
  close(): Promise<void>;
}

function storageError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, message.split('.')[0], { 'content-type': 'application/xml', 'x-ms-error-code': code });
  res.end(
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:fake\nTime:${new Date().toISOString()}</Message></Error>`,
  );
}

export async function createAzureStorageProxy(options: {
  target: string;
  accountName: string;
  accountKey: string;
  entra: FakeEntra;
}): Promise<AzureStorageProxy> {
  const target = new URL(options.target);
  const sas = generateAccountSASQueryParameters(
    {
      services: AccountSASServices.parse('b').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      permissions: AccountSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 24 * 3_600_000),
    },
    new StorageSharedKeyCredential(options.accountName, options.accountKey),
  ).toString();
  const roles = new Map<string, BlobRole>();
  const agent = new http.Agent({ keepAlive: true });
  const { cert, key } = testCertificate();

  const server = https.createServer({ cert, key }, (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const principal = token ? options.entra.principalOf(token) : undefined;
    if (!principal) {
      req.resume();
      return storageError(
        res,
        401,
        'InvalidAuthenticationInfo',
        'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
      );
    }
    const url = new URL(req.url ?? '/', 'https://x');
    const [, account, container] = url.pathname.split('/');
    const role = account === options.accountName && container ? roles.get(`${principal} ${container}`) : undefined;
    const writes = req.method === 'PUT' && !url.searchParams.has('comp') && !url.searchParams.has('restype');
    const reads = req.method === 'GET' || req.method === 'HEAD';
    const allowed = role === 'Storage Blob Data Contributor' ? writes || reads : role !== undefined && writes;
    if (!allowed) {
      req.resume();
      return storageError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
    }
    proxy.accepted.push(principal);
    const { authorization: _drop, ...headers } = req.headers;
    const path = `${url.pathname}${url.search ? `${url.search}&` : '?'}${sas}`;
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, method: req.method, path, headers: { ...headers, host: target.host }, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (error) => (res.headersSent ? res.destroy() : storageError(res, 502, 'ProxyFailed', `storage proxy: ${error.message}`)));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: AzureStorageProxy = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/${options.accountName}`,
    assign: (principal, container, role) => void roles.set(`${principal} ${container}`, role),
    unassign: (principal, container) => void roles.delete(`${principal} ${container}`),
    accepted: [],
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
