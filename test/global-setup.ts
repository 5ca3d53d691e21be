// One real Temporal dev server, one real GCS emulator, one real S3 server and one Azurite (Azure Blob
// Storage emulator) for the whole integration run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { freePort } from '../lib/child-process';
import { startAzurite, startGcsEmulator, startS3Server, startTemporalDevServer } from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { FIXTURE_ENCRYPTION_KEY } from './fixtures/histories/fixture-key';
import { S3_ROOT_CREDENTIALS } from './helpers/s3-root';
import { generateSealingKey, SEALING_KEYS_VAR, SEALING_PUBLIC_KEY_VAR } from '../lib/sealing';
import { connectionOptions, loadTemporalSettings, repoRoot } from '../lib/temporal-config';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    gcsEndpoint: string;
    /** versitygw (test/helpers/s3.ts has its root credentials). */
    s3Endpoint: string;
    s3AdminEndpoint: string;
    s3Binary: string;
    /** Azurite's blob endpoint of its one account (http://127.0.0.1:<port>/<account>), and that account. */
    azuriteEndpoint: string;
    azuriteAccountName: string;
    azuriteAccountKey: string;
    temporalCliPath: string;
    /** AUDITFLOW_ENCRYPTION_KEYS of this run: every test client and worker encrypts payloads with it. */
    encryptionKeys: string;
    /** AUDITFLOW_SEALING_KEYS of this run: the workers' private keys for sealed secrets (lib/sealing.ts). */
    sealingKeys: string;
  }
}

export default async function setup(project: TestProject) {
  // A fresh payload key per run, also in the environment so worker processes the tests start inherit it.
  // The fixture key decodes recorded histories; it encrypts only while recording new ones.
  const runKey = `test:${randomBytes(32).toString('base64')}`;
  const recording = Boolean(process.env.AUDITFLOW_RECORD_HISTORIES);
  const encryptionKeys = process.env.AUDITFLOW_ENCRYPTION_KEYS || (recording ? `${FIXTURE_ENCRYPTION_KEY},${runKey}` : `${runKey},${FIXTURE_ENCRYPTION_KEY}`);
  process.env.AUDITFLOW_ENCRYPTION_KEYS = encryptionKeys;
  // A fresh sealing key pair per run, in the environment too: the API side seals with the public half.
  if (!process.env[SEALING_KEYS_VAR]) {
    const sealing = generateSealingKey();
    process.env[SEALING_KEYS_VAR] = JSON.stringify([sealing.privateJwk]);
    process.env[SEALING_PUBLIC_KEY_VAR] = JSON.stringify(sealing.publicJwk);
  }
  const sealingKeys = process.env[SEALING_KEYS_VAR];
  const logDir = path.join(repoRoot, '.auditflow', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  rmSync(path.join(logDir, 'sdk.log'), { force: true }); // one run's SDK lines (test/helpers/temporal.ts)
  const port = await freePort();
  const settings = loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(port) });
  // The S3 server's backend is a directory of plain files; a fresh one per run.
  const s3Root = mkdtempSync(path.join(tmpdir(), 'auditflow-s3-'));
  // A fresh account key per run, distinctive so the secret scan can look for it.
  const azuriteAccount = { accountName: 'auditflowtest', accountKey: randomBytes(64).toString('base64') };
  const [temporal, gcs, s3, azurite] = await Promise.all([
    startTemporalDevServer({ settings, headless: true, logFile: path.join(logDir, 'temporal.log') }),
    freePort().then((gcsPort) => startGcsEmulator({ port: gcsPort, logFile: path.join(logDir, 'gcs.log') })),
    Promise.all([freePort(), freePort()]).then(([s3Port, adminPort]) =>
      startS3Server({
        port: s3Port,
        adminPort,
        root: path.join(s3Root, 'data'),
        iamDir: path.join(s3Root, 'iam'),
        ...S3_ROOT_CREDENTIALS,
        logFile: path.join(logDir, 's3.log'),
      }),
    ),
    freePort().then((azuritePort) => startAzurite({ port: azuritePort, ...azuriteAccount, logFile: path.join(logDir, 'azurite.log') })),
  ]);
  const connection = await Connection.connect(connectionOptions(settings));
  await ensureSearchAttributes(connection, settings);
  await connection.close();

  project.provide('temporalAddress', settings.address);
  project.provide('temporalNamespace', settings.namespace);
  project.provide('gcsEndpoint', gcs.url);
  project.provide('s3Endpoint', s3.url);
  project.provide('s3AdminEndpoint', s3.adminUrl!);
  project.provide('s3Binary', s3.binary);
  project.provide('azuriteEndpoint', azurite.url);
  project.provide('azuriteAccountName', azuriteAccount.accountName);
  project.provide('azuriteAccountKey', azuriteAccount.accountKey);
  project.provide('temporalCliPath', temporal.child.spawnfile);
  project.provide('encryptionKeys', encryptionKeys);
  project.provide('sealingKeys', sealingKeys);

  return async () => {
    await Promise.all([temporal.stop(), gcs.process.stop(), s3.process.stop(), azurite.process.stop()]);
    rmSync(s3Root, { recursive: true, force: true });
  };
}
