// A TCP proxy in front of a real server that can stall: while stalled it keeps every connection open
// and accepts new ones but moves no byte either way, like a server stopped with SIGSTOP (without
// stopping the dev server other tests share). Bytes sent meanwhile wait in the socket buffers and
// arrive when it resumes, so a request that timed out at the client may still take effect, as it would.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallProxy {
  /** host:port to connect to. */
  address: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(upstream: string): Promise<StallProxy> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (stalled) socket.pause();
  };
  const server = net.createServer((client) => {
    const target = net.connect(port, host);
    client.pipe(target);
    target.pipe(client);
    // After pipe(), which resumes its source: a connection made while stalled stalls too.
    track(client);
    track(target);
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
