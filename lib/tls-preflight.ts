// Why a TLS connection to Temporal fails, in words. The SDK's gRPC client reports a refused client
// certificate or an untrusted server only as "Failed to connect before the deadline" and keeps trying,
// which looks like a Temporal that is down: a process would wait forever for a setting only its operator
// can fix. So before connecting, one TLS handshake with the same settings tells the two apart.
import net from 'node:net';
import tls from 'node:tls';
import type { TemporalSettings } from './temporal-config';

/** A TLS setting Temporal's frontend (or this process) refuses: retrying cannot help. */
export class TemporalTlsError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'TemporalTlsError';
  }
}

// OpenSSL's codes for a certificate problem on either side (transient network errors are not among them).
const CERTIFICATE_PROBLEM = /CERT|SIGNATURE|ISSUER|ALTNAME|ALERT|SELF_SIGNED|UNKNOWN_CA|HANDSHAKE_FAILURE|WRONG_VERSION_NUMBER/i;
// The HTTP/2 connection preface and an empty SETTINGS frame: a gRPC server answers with its SETTINGS.
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

function hint(code: string): string {
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/i.test(code)) {
    return 'the server refused our client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a certificate its CA signed';
  }
  if (/ALTNAME/i.test(code)) return "the server's certificate is not for this address: set TEMPORAL_TLS_SERVER_NAME to the name it is for";
  if (/WRONG_VERSION_NUMBER/i.test(code)) return 'the server does not speak TLS at this address: unset TEMPORAL_TLS (or TEMPORAL_TLS=false)';
  return "we do not trust the server's certificate: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it";
}

type Outcome = { ok: true } | { ok: false; error: Error } | { ok: false; closedAfterHandshake: true } | { ok: false; unreachable: true };

function handshake(settings: Pick<TemporalSettings, 'address' | 'credentials'>, timeoutMs: number): Promise<Outcome> {
  const config = settings.credentials.tls;
  const options = config === true || !config ? {} : config;
  const colon = settings.address.lastIndexOf(':');
  const host = settings.address.slice(0, colon);
  const port = Number(settings.address.slice(colon + 1));
  const servername = options.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise<Outcome>((resolve) => {
    let secured = false;
    const socket = tls.connect({
      host,
      port,
      servername,
      ALPNProtocols: ['h2'],
      ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
      ...(options.clientCertPair ? { cert: Buffer.from(options.clientCertPair.crt), key: Buffer.from(options.clientCertPair.key) } : {}),
      // With a server name override, the certificate is checked for that name rather than the address.
      ...(options.serverNameOverride
        ? { checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(options.serverNameOverride!, cert) }
        : {}),
    });
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, unreachable: true }), timeoutMs);
    // TLS 1.3 refuses a client certificate only after our side finished: wait for the server's first frame.
    socket.once('secureConnect', () => {
      secured = true;
      socket.write(H2_PREFACE);
    });
    socket.once('data', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, error }));
    socket.once('end', () => done(secured ? { ok: false, closedAfterHandshake: true } : { ok: false, unreachable: true }));
  });
}

/**
 * Resolves when a TLS handshake with the frontend succeeds and it answers HTTP/2; throws
 * TemporalTlsError when a certificate is refused on either side; resolves on anything else (refused
 * connection, timeout) so the caller's retry loop waits for the server as usual.
 */
export async function checkTemporalTls(settings: Pick<TemporalSettings, 'address' | 'credentials'>, timeoutMs = 5_000): Promise<void> {
  if (!settings.credentials.tls) return;
  for (let attempt = 1; ; attempt++) {
    const outcome = await handshake(settings, timeoutMs);
    if (outcome.ok || 'unreachable' in outcome) return;
    if ('error' in outcome) {
      const { error } = outcome;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!CERTIFICATE_PROBLEM.test(code) && !CERTIFICATE_PROBLEM.test(error.message)) return;
      throw new TemporalTlsError(`TLS with Temporal at ${settings.address} failed (${error.message.trim()}): ${hint(`${code} ${error.message}`)}`);
    }
    // A server that refuses a TLS 1.3 client certificate may just close the connection without an alert.
    // A frontend restarting behind a load balancer may do the same once, not three times in a row.
    if (attempt < 3) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    const presented = typeof settings.credentials.tls === 'object' && settings.credentials.tls.clientCertPair;
    throw new TemporalTlsError(
      `TLS with Temporal at ${settings.address}: the server closed every connection right after the handshake, without a word. ` +
        (presented
          ? 'It most likely refused our client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a certificate its CA signed'
          : 'It most likely wants a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH'),
    );
  }
}
