// One real Temporal dev server and one real GCS emulator for the whole integration run.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { Connection } from '@temporalio/client';
import { freePort } from '../lib/child-process';
import { startGcsEmulator, startTemporalDevServer } from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadTemporalSettings, repoRoot } from '../lib/temporal-config';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    gcsEndpoint: string;
    temporalCliPath: string;
  }
}

export default async function setup(project: TestProject) {
  const logDir = path.join(repoRoot, '.auditflow', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const port = await freePort();
  const settings = loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(port) });
  const [temporal, gcs] = await Promise.all([
    startTemporalDevServer({ settings, headless: true, logFile: path.join(logDir, 'temporal.log') }),
    freePort().then((gcsPort) => startGcsEmulator({ port: gcsPort, logFile: path.join(logDir, 'gcs.log') })),
  ]);
  const connection = await Connection.connect({ address: settings.address });
  await ensureSearchAttributes(connection, settings);
  await connection.close();

  project.provide('temporalAddress', settings.address);
  project.provide('temporalNamespace', settings.namespace);
  project.provide('gcsEndpoint', gcs.url);
  project.provide('temporalCliPath', temporal.child.spawnfile);

  return async () => {
    await Promise.all([temporal.stop(), gcs.process.stop()]);
  };
}
