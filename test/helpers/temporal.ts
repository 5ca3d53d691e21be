import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, bundleWorkflowCode, type LogEntry, type Worker, type WorkerOptions } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import { createDataConverter, FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from '../../lib/data-converter';
import { connectionOptions, loadTemporalSettings, repoRoot, type TemporalSettings } from '../../lib/temporal-config';
import { createExportWorker, workflowsPath } from '../../worker/create-worker';
import type { ActivityDeps } from '../../activities';

/**
 * The SDK's own lines (worker lifecycle, activity retries, the WARN blocks with stack traces that tests
 * provoking failures on purpose produce) go to this file, not the console: the console shows progress
 * and results, and a failing test's assertion says what went wrong.
 */
export const SDK_LOG_FILE = path.join(repoRoot, '.auditflow', 'test-logs', 'sdk.log');

function sdkLogToFile(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const test = expect.getState().currentTestName ?? '';
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${inspect(entry.meta, { depth: 4, breakLength: Infinity })}` : '';
  appendFileSync(SDK_LOG_FILE, `${time} ${entry.level} [${path.basename(expect.getState().testPath ?? '')}] ${test}: ${entry.message}${meta}\n`);
}

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  mkdirSync(path.dirname(SDK_LOG_FILE), { recursive: true });
  try {
    Runtime.install({ logger: new DefaultLogger('INFO', sdkLogToFile) });
  } catch {
    // Already installed in this process.
  }
}

export function testSettings(): TemporalSettings {
  return {
    ...loadTemporalSettings({ ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') }),
    taskQueue: `test-${randomUUID()}`,
  };
}

/** Every client and worker of the tests encrypts with the run's key (test/global-setup.ts). */
export function testDataConverter() {
  return createDataConverter({ env: { AUDITFLOW_ENCRYPTION_KEYS: inject('encryptionKeys') } });
}

let bundle: Promise<WorkerOptions['workflowBundle']> | undefined;
/** Bundling takes seconds: once per test file. */
export function exportWorkflowBundle(): Promise<WorkerOptions['workflowBundle']> {
  // The failure converter runs in the sandbox too, so failures the workflow raises are encoded.
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN', sdkLogToFile),
  });
  return bundle;
}

export interface TestEnv {
  settings: TemporalSettings;
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function openTestEnv(): Promise<TestEnv> {
  quietRuntime();
  const settings = testSettings();
  const connection = await Connection.connect(connectionOptions(settings));
  const nativeConnection = await NativeConnection.connect(connectionOptions(settings));
  const client = new Client({ connection, namespace: settings.namespace, dataConverter: testDataConverter() });
  return {
    settings,
    client,
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** One execution's history the way an operator records it (`temporal workflow show --output json`): the fixtures' format. */
export function showHistoryJson(env: TestEnv, workflowId: string, runId: string): string {
  return execFileSync(
    inject('temporalCliPath'),
    [
      'workflow',
      'show',
      '--output',
      'json',
      '--address',
      env.settings.address,
      '--namespace',
      env.settings.namespace,
      '--workflow-id',
      workflowId,
      '--run-id',
      runId,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
}

export async function startExportWorker(
  env: TestEnv,
  activityDeps?: ActivityDeps,
  taskQueue = env.settings.taskQueue,
): Promise<{ worker: Worker; running: Promise<void> }> {
  const worker = await createExportWorker({
    connection: env.nativeConnection,
    settings: env.settings,
    taskQueue,
    activityDeps,
    dataConverter: testDataConverter(),
    workflowBundle: await exportWorkflowBundle(),
    overrides: { shutdownGraceTime: '2s' },
  });
  const running = worker.run();
  return { worker, running };
}
