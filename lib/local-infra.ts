import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
    'server',
    'start-dev',
    '--ip',
    devServer.ip,
    '--port',
    String(devServer.port),
    '--namespace',
    settings.namespace,
    '--log-level',
    devServer.logLevel,
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

export interface S3ServerOptions {
  port: number;
  /** Buckets are its subdirectories, objects plain files below them. */
  root: string;
  /** The root user's access keys (may do anything, creates users and bucket policies). */
  accessKeyId: string;
  secretAccessKey: string;
  /** Where the gateway keeps its users (its internal IAM); default: `<root>/../<basename>-iam`. */
  iamDir?: string;
  /** The admin API (users), on its own port; default: none. */
  adminPort?: number;
  logFile?: string;
}

export interface S3Server {
  process: ManagedProcess;
  url: string;
  /** The admin API, when an admin port was given. */
  adminUrl?: string;
  /** The binary, for `versitygw admin …` (users, bucket owners). */
  binary: string;
}

/** The region versitygw signs for unless told otherwise; clients must sign for it. */
export const S3_SERVER_REGION = 'us-east-1';

/**
 * Starts versitygw with its posix backend over plain HTTP on loopback and waits until it answers. It
 * verifies SigV4 signatures and conditional writes like S3, and has users and bucket policies.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const url = `http://127.0.0.1:${options.port}`;
  const iamDir = options.iamDir ?? `${options.root.replace(/\/+$/, '')}-iam`;
  mkdirSync(options.root, { recursive: true });
  mkdirSync(iamDir, { recursive: true });
  const args = ['--port', `127.0.0.1:${options.port}`, '--region', S3_SERVER_REGION, '--iam-dir', iamDir, '--health', '/health', '--quiet'];
  // A changed user (a rotated secret) takes effect at once instead of after the 2-minute IAM cache.
  args.push('--iam-cache-disable');
  const adminUrl = options.adminPort ? `http://127.0.0.1:${options.adminPort}` : undefined;
  if (options.adminPort) args.push('--admin-port', `127.0.0.1:${options.adminPort}`);
  args.push('posix', options.root);
  const binary = await ensureTool('versitygw');
  // Keys through the environment, not argv: other users of the machine can read a process's arguments.
  const env = { ...process.env, ROOT_ACCESS_KEY_ID: options.accessKeyId, ROOT_SECRET_ACCESS_KEY: options.secretAccessKey };
  const proc = startProcess('S3 server', binary, args, { env, logFile: options.logFile });
  await waitUntilReady(proc, async () => (await fetch(`${url}/health`)).ok, 30_000);
  return { process: proc, url, adminUrl, binary };
}

/**
 * The root keys of `npm start`'s S3 server: made once and kept in the data dir (owner-only), so that
 * integrations created against it keep working across restarts.
 */
export function localS3RootCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  const file = path.join(dataDir, 'dev-s3-root.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
  const credentials = { accessKeyId: 'auditflow-local', secretAccessKey: randomBytes(24).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}

export interface AzuriteOptions {
  port: number;
  /** The storage account Azurite serves (instead of its well-known devstoreaccount1) and its key (base64). */
  accountName: string;
  accountKey: string;
  /** A workspace directory that keeps blobs across restarts; omit for in-memory (tests). */
  location?: string;
  logFile?: string;
}

/** The blob service of Azurite, Microsoft's Azure Storage emulator (npm `azurite`, a devDependency). */
function azuriteBlobMain(): string {
  try {
    return createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  } catch {
    throw new Error('Azurite is not installed: run `npm ci` (the npm package azurite is a devDependency of auditflow)');
  }
}

/**
 * Starts Azurite's blob service over plain HTTP on loopback with one account and waits until it
 * answers. It verifies Shared Key and SAS signatures (and SAS permissions), conditional writes and
 * Content-MD5, like Azure. It never phones home (--disableTelemetry); --loose and
 * --skipApiVersionCheck let a newer SDK than the emulator knows talk to it.
 */
export async function startAzurite(options: AzuriteOptions): Promise<{ process: ManagedProcess; url: string }> {
  const url = `http://127.0.0.1:${options.port}/${options.accountName}`;
  const args = [azuriteBlobMain(), '--blobHost', '127.0.0.1', '--blobPort', String(options.port), '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else {
    // Blobs in memory, bounded: tests write megabytes, not the default half of the machine's memory.
    args.push('--inMemoryPersistence', '--extentMemoryLimit', '512');
  }
  // The key through the environment, not argv: other users of the machine can read a process's arguments.
  const env = { ...process.env, AZURITE_ACCOUNTS: `${options.accountName}:${options.accountKey}` };
  const proc = startProcess('Azurite', process.execPath, args, { env, logFile: options.logFile, cwd: options.location });
  try {
    // Any answer (403 without credentials) means it listens.
    await waitUntilReady(proc, async () => (await fetch(`${url}?comp=list`)).status > 0, 60_000);
  } catch (error) {
    await proc.stop();
    throw new Error(`Azurite did not start: ${(error as Error).message}${options.logFile ? `; see ${options.logFile}` : ''}`, { cause: error });
  }
  return { process: proc, url };
}

/**
 * The account key of `npm start`'s Azurite: made once and kept in the data dir (owner-only), so that
 * integrations created against it keep working across restarts.
 */
export function localAzuriteAccount(dataDir: string): { accountName: string; accountKey: string } {
  const file = path.join(dataDir, 'dev-azurite-account.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { accountName: string; accountKey: string };
  const account = { accountName: 'auditflowlocal', accountKey: randomBytes(64).toString('base64') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(account)}\n`, { mode: 0o600 });
  return account;
}
