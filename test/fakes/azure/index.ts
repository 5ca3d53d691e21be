// The whole fake Azure side a credentials test needs: Entra's token endpoint, the checking proxy in
// front of Azurite, and auditflow's own OIDC issuer (whose `env` a worker needs for federation).
import { startTestIssuer, type TestIssuer } from '../gcp/issuer';
import { createFakeGcp } from '../gcp/server';
import { createFakeEntra, type FakeEntra } from './entra';
import { createAzureStorageProxy, type AzureStorageProxy } from './storage-proxy';

export type { FakeEntra } from './entra';
export type { AzureStorageProxy } from './storage-proxy';

export interface FakeAzureStack {
  entra: FakeEntra;
  proxy: AzureStorageProxy;
  issuer: TestIssuer;
  /** The worker's environment: the issuer's (AUDITFLOW_PUBLIC_URL, signing keys) and AZURE_AUTHORITY_HOST. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeAzureStack(azurite: { endpoint: string; accountName: string; accountKey: string }): Promise<FakeAzureStack> {
  const entra = await createFakeEntra();
  const proxy = await createAzureStorageProxy({ target: azurite.endpoint, accountName: azurite.accountName, accountKey: azurite.accountKey, entra });
  // The issuer is auditflow's own OIDC router; the Google fakes it names in its env go unused here.
  const gcp = await createFakeGcp();
  const issuer = await startTestIssuer(gcp);
  return {
    entra,
    proxy,
    issuer,
    env: {
      AUDITFLOW_PUBLIC_URL: issuer.env.AUDITFLOW_PUBLIC_URL!,
      AUDITFLOW_OIDC_SIGNING_KEYS: issuer.env.AUDITFLOW_OIDC_SIGNING_KEYS!,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
    },
    async close() {
      await Promise.all([proxy.close(), issuer.close(), entra.close(), gcp.close()]);
    },
  };
}
