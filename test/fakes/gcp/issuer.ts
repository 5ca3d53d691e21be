// auditflow's own OIDC issuer for tests: the real router (api/oidc-routes.ts) on a local port, with
// fresh signing keys, plus the worker environment that makes WIF use it and the fake token services.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createOidcRouter } from '../../../api/oidc-routes';
import { TRUSTED_TOKEN_URIS_VAR } from '../../../activities/sinks/gcs/token-uri';
import { loadWifSettings, type WifSettings } from '../../../lib/wif';
import { generateOidcSigningJwk } from '../../../lib/wif-keys';
import type { FakeGcp } from './server';

export interface TestIssuer {
  issuer: string;
  settings: WifSettings;
  /**
   * The variables a worker reads for WIF (AUDITFLOW_PUBLIC_URL, signing keys, STS and IAM URLs), and the
   * fake's OAuth token endpoint as a trusted token_uri for its service-account keys.
   */
  env: Record<string, string>;
  /** The private JWK (its `d` must never show up anywhere). */
  privateJwk: ReturnType<typeof generateOidcSigningJwk>;
  close(): Promise<void>;
}

/** `gcp`: also point the worker's GCP token services at this fake (without: the issuer alone, e.g. for AWS). */
export async function startTestIssuer(gcp?: FakeGcp): Promise<TestIssuer> {
  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const privateJwk = generateOidcSigningJwk('test');
  const env: Record<string, string> = {
    AUDITFLOW_PUBLIC_URL: issuer,
    AUDITFLOW_OIDC_SIGNING_KEYS: JSON.stringify([privateJwk]),
    ...(gcp ? { AUDITFLOW_GCP_STS_URL: gcp.stsUrl, AUDITFLOW_GCP_IAM_CREDENTIALS_URL: gcp.iamCredentialsUrl, [TRUSTED_TOKEN_URIS_VAR]: gcp.tokenUri } : {}),
  };
  const settings = loadWifSettings({ env });
  app.use(createOidcRouter({ issuer, keys: settings.keys }));
  return {
    issuer,
    settings,
    env,
    privateJwk,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let pools = 0;
/** A fresh provider audience per call, so tests never share bindings. */
export function providerAudience(projectNumber = '123456789012'): string {
  pools++;
  return `//iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/pool-${process.pid}-${pools}/providers/auditflow`;
}
