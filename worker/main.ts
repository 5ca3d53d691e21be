// The worker process: connects to Temporal, registers search attributes, serves the export task queue
// until SIGINT/SIGTERM (the SDK then drains in-flight activities for the shutdown grace time).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { createDataConverter } from '../lib/data-converter';
import { createLogger } from '../lib/logger';
import { settingsFrom } from '../lib/settings';
import { retryUntilConnected } from '../lib/temporal-client';
import { checkTemporalTls } from '../lib/tls-preflight';
import { createUnsealer, loadSealingKeys } from '../lib/sealing';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { connectionOptions, describeCredentials, loadTemporalSettings } from '../lib/temporal-config';
import { versionName, workerDeploymentVersion } from '../lib/worker-versioning';
import { bundleInChildProcess } from './bundle-workflows';
import { workerConcurrency } from './concurrency';
import { createExportWorker } from './create-worker';
import { startHealthServer, type WorkerHealth } from './health-server';
import { promoteWhenPolling } from './promote-version';
import { startTracing } from '../lib/tracing';
import { SCHEDULE_LAG_BUCKETS_MS, SCHEDULE_LAG_METRIC } from '../workflows/schedule-lag';

const log = createLogger('worker');

/**
 * One log stream: the SDK's own lines (workflow and activity loggers, worker lifecycle) go through
 * pino with the same redaction. With AUDITFLOW_METRICS_PORT the SDK serves Prometheus metrics on
 * /metrics: its own (task latencies, slots, polls) and ours (activities/metrics.ts).
 */
function installRuntime(): void {
  const pinoLevel = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
  const { AUDITFLOW_METRICS_PORT: metricsPort, AUDITFLOW_SDK_LOG_LEVEL: sdkLogLevel } = settingsFrom();
  Runtime.install({
    logger: new DefaultLogger(sdkLogLevel as LogLevel, (entry) => {
      log[pinoLevel[entry.level]]({ sdk: true, ...entry.meta }, entry.message);
    }),
    telemetryOptions: metricsPort
      ? {
          metrics: {
            prometheus: {
              bindAddress: `127.0.0.1:${metricsPort}`,
              histogramBucketOverrides: { [SCHEDULE_LAG_METRIC]: SCHEDULE_LAG_BUCKETS_MS },
            },
          },
        }
      : undefined,
  });
  if (metricsPort) log.info({ url: `http://127.0.0.1:${metricsPort}/metrics` }, 'Prometheus metrics');
}

async function main(): Promise<void> {
  const own = settingsFrom(); // every AUDITFLOW_* variable checked before anything starts
  workerConcurrency(own); // and the concurrency limits against each other
  // With an OTLP endpoint set; undefined (nothing loaded) otherwise.
  const tracing = startTracing('auditflow-worker');
  if (tracing) log.info('tracing: exporting spans by OTLP');
  installRuntime();
  // Serves at once: alive while waiting for Temporal, ready once the worker polls.
  const health: WorkerHealth = {};
  if (own.AUDITFLOW_HEALTH_PORT) {
    const server = await startHealthServer({ port: own.AUDITFLOW_HEALTH_PORT, host: own.AUDITFLOW_HEALTH_HOST, health });
    log.info({ healthz: `${server.url}/healthz`, readyz: `${server.url}/readyz` }, 'health probes');
  }
  const settings = loadTemporalSettings();
  // Fails fast on a malformed AUDITFLOW_ENCRYPTION_KEYS, before connecting anywhere.
  const dataConverter = createDataConverter({ log });
  const unsealer = createUnsealer(loadSealingKeys({ log }));
  // A Temporal that is not up yet (or restarting) is waited for, with backoff, until a signal stops us.
  const stopWaiting = new AbortController();
  const stop = () => stopWaiting.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let connection: NativeConnection;
  try {
    connection = await retryUntilConnected(
      'worker',
      async () => {
        await checkTemporalTls(settings);
        const client = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 5_000 });
        try {
          const added = await ensureSearchAttributes(client, settings);
          if (added.length > 0) log.info({ added }, 'registered search attributes');
        } finally {
          await client.close();
        }
        return NativeConnection.connect(connectionOptions(settings));
      },
      { address: settings.address, log, signal: stopWaiting.signal },
    );
  } catch (error) {
    if (!stopWaiting.signal.aborted) throw error;
    log.info('worker stopped before Temporal was reachable');
    process.exit(0);
  } finally {
    // From here on the SDK's runtime handles the signals: it drains the worker.
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  try {
    const workflowBundle = await bundleInChildProcess(tracing?.workflowInterceptorModules);
    const deploymentVersion = workerDeploymentVersion();
    const worker = await createExportWorker({
      connection,
      settings,
      dataConverter,
      workflowBundle,
      activityDeps: { unsealer },
      deploymentVersion,
      ...(tracing ? { overrides: tracing.workerOptions } : {}),
    });
    Object.assign(health, { worker, connection });
    rmSync(path.dirname(workflowBundle.codePath), { recursive: true, force: true }); // loaded by now
    log.info(
      {
        address: settings.address,
        namespace: settings.namespace,
        taskQueue: settings.taskQueue,
        auth: describeCredentials(settings.credentials),
        version: deploymentVersion ? versionName(deploymentVersion) : 'unversioned',
      },
      'worker started',
    );
    const running = worker.run();
    const stopPromoting = new AbortController();
    const promoting =
      deploymentVersion && own.AUDITFLOW_SET_CURRENT_VERSION === 'auto'
        ? promoteWhenPolling({ settings, version: deploymentVersion, log, signal: stopPromoting.signal })
        : undefined;
    try {
      await running;
    } finally {
      stopPromoting.abort();
      await promoting;
    }
    log.info('worker stopped');
  } finally {
    await connection.close();
    await tracing?.shutdown();
  }
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'worker failed');
  process.exit(1);
});
