import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { startProcess, waitUntilReady, type ManagedProcess } from './child-process';
import type { TemporalSettings } from './temporal-config';
import { ensureTool } from './tools';

export interface DevServerOptions {
  settings: TemporalSettings;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  headless?: boolean;
  codecEndpoint?: string;
  logFile?: string;
}

/** Starts `temporal server start-dev` as temporal.yaml describes it and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<ManagedProcess> {
  const { settings } = options;
  const { devServer } = settings;
  const args = [
    'server', 'start-dev',
    '--ip', devServer.ip,
    '--port', String(devServer.port),
    '--namespace', settings.namespace,
    '--log-level', devServer.logLevel,
  ];
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(devServer.uiPort));
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  for (const [key, value] of Object.entries(devServer.dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  const proc = startProcess('temporal dev server', await ensureTool('temporal'), args, { logFile: options.logFile });
  await waitUntilReady(proc, () => temporalIsReachable(settings.address), 60_000);
  return proc;
}

export async function temporalIsReachable(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

export interface GcsEmulatorOptions {
  port: number;
  /** A directory makes objects visible as plain files; omit for the in-memory backend (tests). */
  filesystemRoot?: string;
  logFile?: string;
}

/** Starts fake-gcs-server over plain HTTP on loopback and waits until its JSON API answers. */
export async function startGcsEmulator(options: GcsEmulatorOptions): Promise<{ process: ManagedProcess; url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const args = ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(options.port), '-external-url', url, '-log-level', 'warn'];
  if (options.filesystemRoot) {
    mkdirSync(options.filesystemRoot, { recursive: true });
    args.push('-backend', 'filesystem', '-filesystem-root', options.filesystemRoot);
  } else {
    args.push('-backend', 'memory');
  }
  const proc = startProcess('GCS emulator', await ensureTool('fake-gcs-server'), args, { logFile: options.logFile });
  await waitUntilReady(proc, async () => (await fetch(`${url}/storage/v1/b`)).ok, 30_000);
  return { process: proc, url };
}
