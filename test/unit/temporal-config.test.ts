// Temporal connection settings come from Temporal's environment configuration (temporal.toml profiles
// and TEMPORAL_* variables, as the CLI reads them); temporal.yaml keeps auditflow's own settings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCredentials, loadTemporalSettings } from '../../lib/temporal-config';

const dir = mkdtempSync(path.join(tmpdir(), 'auditflow-envconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const toml = path.join(dir, 'temporal.toml');
writeFileSync(
  toml,
  `[profile.default]
address = "default.example:7233"

[profile.cloud]
address = "auditflow.a1b2c.tmprl.cloud:7233"
namespace = "auditflow.a1b2c"
api_key = "profile-key"

[profile.mtls]
address = "temporal.internal:7233"
namespace = "exports"
[profile.mtls.tls]
client_cert_data = "CERT"
client_key_data = "KEY"
server_name = "frontend.temporal.internal"
`,
);

describe('Temporal settings', () => {
  it('without an address anywhere: the local dev server, no credentials, the namespace of temporal.yaml', () => {
    const settings = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml'), TEMPORAL_PORT: '7777' });
    expect(settings).toMatchObject({ address: '127.0.0.1:7777', namespace: 'auditflow', externalServer: false, credentials: {} });
  });

  it('reads the default profile, and TEMPORAL_PROFILE picks another', () => {
    expect(loadTemporalSettings({ TEMPORAL_CONFIG_FILE: toml }).address).toBe('default.example:7233');
    const cloud = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud).toMatchObject({ address: 'auditflow.a1b2c.tmprl.cloud:7233', namespace: 'auditflow.a1b2c', externalServer: true });
    // An API key turns TLS on, as in the CLI.
    expect(cloud.credentials).toEqual({ apiKey: 'profile-key', tls: true });
    expect(describeCredentials(cloud.credentials)).toBe('TLS + API key');
  });

  it('a profile with a client certificate gives mTLS with the server name', () => {
    const { credentials } = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'mtls' });
    const tls = credentials.tls as { serverNameOverride: string; clientCertPair: { crt: Uint8Array } };
    expect(tls.serverNameOverride).toBe('frontend.temporal.internal');
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('CERT');
    expect(describeCredentials(credentials)).toBe('mTLS (client certificate)');
  });

  it('environment variables override the profile, and empty ones count as unset', () => {
    const settings = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_API_KEY: 'env-key',
      TEMPORAL_NAMESPACE: '',
    });
    expect(settings).toMatchObject({ address: 'other:7233', namespace: 'auditflow.a1b2c', credentials: { apiKey: 'env-key' } });
  });

  it('TEMPORAL_ADDRESS set but empty means the dev server, whatever the profile says', () => {
    const settings = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_ADDRESS: '', TEMPORAL_PORT: '7234' });
    expect(settings).toMatchObject({ address: '127.0.0.1:7234', externalServer: false, credentials: {} });
  });

  it('a profile that does not exist is an error naming it', () => {
    expect(() => loadTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' })).toThrow(/Profile 'nope' not found/);
  });
});
