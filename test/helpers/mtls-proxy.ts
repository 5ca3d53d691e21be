// A TLS-terminating proxy in front of the dev server (which serves plaintext only) that requires a client
// certificate signed by the test CA, as a self-hosted cluster with mTLS does. Bytes pass through unchanged
// once the handshake succeeded (gRPC's HTTP/2 frames are the same with or without TLS).
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './test-pki';

export interface TlsProxy {
  /** host:port to connect to. */
  address: string;
  /** Handshakes refused so far (no or wrong client certificate). */
  refused: number;
  close(): Promise<void>;
}

export async function startMtlsProxy(upstream: string, pki: TestPki): Promise<TlsProxy> {
  const port = Number(upstream.slice(upstream.lastIndexOf(':') + 1));
  const host = upstream.slice(0, upstream.lastIndexOf(':'));
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = tls.createServer(
    {
      key: pki.read(pki.serverKey),
      cert: pki.read(pki.serverCert),
      ca: pki.read(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      const target = net.connect(port, host);
      track(client);
      track(target);
      client.pipe(target);
      target.pipe(client);
      client.on('close', () => target.destroy());
      target.on('close', () => client.destroy());
    },
  );
  const proxy: TlsProxy = {
    address: '',
    refused: 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('tlsClientError', () => proxy.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
