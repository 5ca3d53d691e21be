// A TLS certificate for the Azure fakes: MSAL accepts only an https authority, and the Azure SDK sends
// a bearer token only over https. Self-signed for 127.0.0.1, made per run with openssl, and trusted by
// this process (tls.setDefaultCACertificates) and by worker processes it starts (NODE_EXTRA_CA_CERTS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TestCertificate {
  cert: string;
  key: string;
}

let made: TestCertificate | undefined;

function runOpenssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`The Azure fakes need the openssl command for their TLS certificate (apt-get install openssl): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** One certificate per process, trusted by it from then on. */
export function testCertificate(): TestCertificate {
  if (made) return made;
  const dir = mkdtempSync(path.join(tmpdir(), 'auditflow-azure-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    runOpenssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=auditflow test fakes',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    made = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), made.cert]);
  return made;
}
