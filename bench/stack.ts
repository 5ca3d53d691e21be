// The local stack a benchmark runs against: its own in-memory Temporal dev server and GCS emulator
// (or the test run's, when given), the real worker as a child process, and the fake Mondoo as another.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { Client, Connection } from '@temporalio/client';
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from '../lib/child-process';
import { createDataConverter } from '../lib/data-converter';
import { startGcsEmulator, startTemporalDevServer } from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { connectionOptions, loadTemporalSettings, repoRoot, type TemporalSettings } from '../lib/temporal-config';
import { workerEnv, workerProcessArgs } from '../worker/process-args';
import { sampleProcess } from './process-stats';

export interface StackOptions {
  /** Reuse a running server and emulator (the test suite's) instead of starting them. */
  temporalAddress?: string;
  namespace?: string;
  gcsUrl?: string;
  encryptionKeys?: string;
  /** V8 flags for the worker processes instead of `npm run worker`'s (WORKER_NODE_ARGS). */
  workerNodeArgs?: readonly string[];
}

export interface FakeSource {
  url: string;
  token: string;
  orgs: string[];
  proc: ManagedProcess;
}

export interface WorkerHandle {
  proc: ManagedProcess;
  pid: number;
  usage: ReturnType<typeof sampleProcess>;
  stop(): Promise<void>;
}

export interface ApiHandle {
  url: string;
  token: string;
  proc: ManagedProcess;
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

const tsx = (file: string) => ['--import', 'tsx', path.join(repoRoot, file)];

export async function startStack(options: StackOptions = {}) {
  const logDir = path.join(repoRoot, '.auditflow', 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const owned: ManagedProcess[] = [];
  const encryptionKeys = options.encryptionKeys ?? `bench:${randomBytes(32).toString('base64')}`;

  let settings: TemporalSettings;
  let temporal: ManagedProcess | undefined;
  if (options.temporalAddress) {
    settings = loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: options.temporalAddress, TEMPORAL_NAMESPACE: options.namespace ?? '' });
  } else {
    settings = loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_PORT: String(await freePort()) });
    temporal = await startTemporalDevServer({ settings, headless: true, logFile: path.join(logDir, 'temporal.log') });
    owned.push(temporal);
  }
  let gcsUrl = options.gcsUrl;
  if (!gcsUrl) {
    const gcs = await startGcsEmulator({ port: await freePort(), logFile: path.join(logDir, 'gcs.log') });
    owned.push(gcs.process);
    gcsUrl = gcs.url;
  }
  const connection = await Connection.connect(connectionOptions(settings));
  await ensureSearchAttributes(connection, settings);
  const dataConverter = createDataConverter({ env: { AUDITFLOW_ENCRYPTION_KEYS: encryptionKeys } });
  const client = new Client({ connection, namespace: settings.namespace, dataConverter });
  const storage = new Storage({ apiEndpoint: gcsUrl, projectId: 'auditflow-bench' });

  return {
    settings,
    client,
    dataConverter,
    storage,
    gcsUrl,
    encryptionKeys,
    /** The dev server process, when this stack started it. */
    temporalPid: temporal?.child.pid,

    async createBucket(name: string): Promise<string> {
      await storage.createBucket(name);
      return name;
    },

    /** The fake Mondoo in its own process, `count` generated events spread over `orgs` organizations. */
    async startFake(count: number, orgs = 1): Promise<FakeSource> {
      let line = '';
      const proc = startProcess('fake Mondoo', process.execPath, [...tsx('bench/fake-mondoo-main.ts'), '--count', String(count), '--orgs', String(orgs)]);
      proc.child.stdout?.on('data', (chunk: Buffer) => (line += chunk.toString()));
      await waitUntilReady(proc, async () => line.includes('\n'), 60_000);
      owned.push(proc);
      const info = JSON.parse(line.split('\n')[0]!) as { url: string; token: string; orgs: string[] };
      return { ...info, proc };
    },

    /** worker/main.ts on `taskQueue` (with `env` added to its environment), resolved once it polls; its RSS is sampled from then on. */
    async startWorker(taskQueue: string, logName = 'worker', env: Record<string, string> = {}): Promise<WorkerHandle> {
      let started = false;
      const proc = startProcess('worker', process.execPath, workerProcessArgs(options.workerNodeArgs), {
        env: { ...workerEnv({ address: settings.address, namespace: settings.namespace, taskQueue, encryptionKeys }), ...env },
        logFile: path.join(logDir, `${logName}.log`),
      });
      proc.child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker started')) started = true;
      });
      await waitUntilReady(proc, async () => started, 120_000);
      owned.push(proc);
      const pid = proc.child.pid!;
      return { proc, pid, usage: sampleProcess(pid), stop: () => proc.stop(40_000) };
    },

    /** api/main.ts starting workflows on `taskQueue`, resolved once it is ready (Temporal answers). */
    async startApi(taskQueue: string): Promise<ApiHandle> {
      const port = await freePort();
      const token = randomBytes(24).toString('base64url');
      const url = `http://127.0.0.1:${port}`;
      const proc = startProcess('API', process.execPath, tsx('api/main.ts'), {
        env: {
          ...workerEnv({ address: settings.address, namespace: settings.namespace, taskQueue, encryptionKeys }),
          AUDITFLOW_API_PORT: String(port),
          AUDITFLOW_API_TOKEN: token,
        },
        logFile: path.join(logDir, 'api.log'),
      });
      owned.push(proc);
      await waitUntilReady(proc, async () => (await fetch(`${url}/readyz`)).ok, 120_000);
      return { url, token, proc };
    },

    async close(): Promise<void> {
      await connection.close();
      for (const proc of owned.reverse()) await proc.stop();
    },
  };
}
