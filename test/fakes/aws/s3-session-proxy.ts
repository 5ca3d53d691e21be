// A checking reverse proxy in front of the S3 server for role sessions. versitygw verifies SigV4 but
// refuses session tokens it did not issue itself, so the proxy does what S3 does with temporary
// credentials: a request signed with a role's access key must carry a live session token the fake STS
// issued for that key (else S3's 403 InvalidToken / ExpiredToken), and its SigV4 signature, session
// token included, must verify with the session's secret (else 403 SignatureDoesNotMatch). Only then is
// it signed again, without the token, with the role user's keys, and forwarded: versitygw verifies that
// signature and applies the user's bucket policy. Requests with other keys pass through untouched.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FakeSts } from './sts';

export interface S3SessionProxy {
  url: string;
  /** Role sessions (by subject) of the requests let through, in order. */
  accepted: string[];
  rejected: number;
  close(): Promise<void>;
}

/** What the signer needs of a hash: node's crypto behind the Checksum interface. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

const bytesOf = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

/** `roles`: the role users by access key id (every request with one needs a session token). */
export async function createS3SessionProxy(options: {
  target: string;
  sts: FakeSts;
  roles: () => Map<string, { accessKeyId: string; secretAccessKey: string }>;
}): Promise<S3SessionProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true });
  const deny = (res: http.ServerResponse, req: http.IncomingMessage, code: string) => {
    proxy.rejected++;
    req.resume();
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const auth = AUTH.exec(req.headers.authorization ?? '');
      const user = auth ? options.roles().get(auth[1]!) : undefined;
      let headers = req.headers;
      if (auth && user) {
        const token = req.headers['x-amz-security-token'];
        const session = typeof token === 'string' ? options.sts.sessionOf(token) : undefined;
        if (!session || session.accessKeyId !== user.accessKeyId) return deny(res, req, typeof token === 'string' ? 'ExpiredToken' : 'InvalidToken');
        const [, , , region, signedHeaders, signature] = auth;
        const url = new URL(req.url ?? '/', 'http://proxy');
        const request = (withHeaders: Record<string, string>) => ({
          method: req.method ?? 'GET',
          protocol: 'http:',
          hostname: url.hostname,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: withHeaders,
        });
        const signer = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
          new SignatureV4({ credentials: keys, region: region!, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
        const amzDate = String(req.headers['x-amz-date']);
        const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
        const signed = Object.fromEntries(signedHeaders!.split(';').map((name) => [name, String(req.headers[name] ?? '')]));
        const expected = await signer({ ...user, sessionToken: token as string }).sign(request(signed), { signingDate });
        if (!String(expected.headers.authorization).endsWith(`Signature=${signature}`)) return deny(res, req, 'SignatureDoesNotMatch');
        proxy.accepted.push(session.subject);
        // Signed again without the token: the same headers, the user's long-lived keys.
        const { 'x-amz-security-token': _token, authorization: _auth, 'x-amz-date': _date, ...rest } = signed;
        const resigned = await signer(user).sign(request(rest), { signingDate });
        headers = { ...req.headers, ...resigned.headers };
        delete headers['x-amz-security-token'];
      }
      const upstream = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      upstream.on('error', () => (res.headersSent ? res.destroy() : (res.writeHead(502), res.end())));
      req.pipe(upstream);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: S3SessionProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
