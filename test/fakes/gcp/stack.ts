// The whole fake Google side a credentials test needs: the token services, the checking proxy in front
// of the GCS emulator, and auditflow's own OIDC issuer (whose `env` a worker needs for WIF).
import { createGcsAuthProxy, type GcsAuthProxy } from './auth-proxy';
import { startTestIssuer, type TestIssuer } from './issuer';
import { createFakeGcp, type FakeGcp } from './server';

export interface FakeGcpStack {
  gcp: FakeGcp;
  proxy: GcsAuthProxy;
  issuer: TestIssuer;
  close(): Promise<void>;
}

export async function startFakeGcpStack(gcsEndpoint: string): Promise<FakeGcpStack> {
  const gcp = await createFakeGcp();
  const proxy = await createGcsAuthProxy({ target: gcsEndpoint, gcp });
  const issuer = await startTestIssuer(gcp);
  return {
    gcp,
    proxy,
    issuer,
    async close() {
      await Promise.all([proxy.close(), issuer.close(), gcp.close()]);
    },
  };
}
