// A gRPC proxy in front of the dev server that requires `authorization: Bearer <key>` on every call, as
// Temporal Cloud does for API keys, and refuses the operator calls a namespace user may not make there
// (adding search attributes). It serves TLS with the test CA's server certificate: the SDK sends an API
// key over TLS only. Calls it lets through go to the dev server over plaintext HTTP/2, trailers included.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './test-pki';

export interface ApiKeyProxy {
  address: string;
  /** Calls refused for a missing or wrong key. */
  unauthenticated: number;
  close(): Promise<void>;
}

const GRPC_UNAUTHENTICATED = 16;
const GRPC_PERMISSION_DENIED = 7;

export async function startApiKeyProxy(upstream: string, pki: TestPki, options: { apiKey: string; deniedMethods?: string[] }): Promise<ApiKeyProxy> {
  const session = http2.connect(`http://${upstream}`);
  session.on('error', () => undefined);
  const server = http2.createSecureServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert) });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const proxy: ApiKeyProxy = {
    address: '',
    unauthenticated: 0,
    async close() {
      session.close();
      for (const s of sessions) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const refuse = (stream: http2.ServerHttp2Stream, code: number, message: string) =>
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) },
      { endStream: true },
    );
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${options.apiKey}`) {
      proxy.unauthenticated++;
      refuse(stream, GRPC_UNAUTHENTICATED, headers.authorization ? 'Request unauthorized: invalid API key' : 'Request unauthorized: no API key');
      return;
    }
    if (options.deniedMethods?.includes(String(headers[':path']))) {
      refuse(stream, GRPC_PERMISSION_DENIED, `Request unauthorized: ${String(headers[':path'])} is not allowed with this API key`);
      return;
    }
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== ':scheme' && name !== ':authority' && name !== 'authorization'));
    const call = session.request(forwarded);
    call.on('error', () => stream.destroy());
    stream.pipe(call);
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('trailers', (t) => (trailers = Object.fromEntries(Object.entries(t).filter(([name]) => !name.startsWith(':'))) as http2.OutgoingHttpHeaders));
    call.on('response', (response) => {
      // The caller gave up (deadline, cancel) before the server answered.
      if (stream.destroyed || stream.closed) {
        call.close();
        return;
      }
      const outgoing = Object.fromEntries(Object.entries(response).filter(([name]) => name === ':status' || !name.startsWith(':')));
      if (response['grpc-status'] !== undefined) {
        // Trailers-only answer (an error): the headers say it all.
        stream.respond(outgoing, { endStream: true });
        return;
      }
      stream.respond(outgoing, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
