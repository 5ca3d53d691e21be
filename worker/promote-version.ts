// With AUDITFLOW_SET_CURRENT_VERSION=auto the worker makes its version current once Temporal has seen it
// poll (lib/worker-versioning.ts decides whether it may). Runs beside the worker: a failure is logged
// with the command an operator can run instead, and never stops the worker.
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { connectionOptions, type TemporalSettings } from '../lib/temporal-config';
import { promoteWorkerVersion, versionName } from '../lib/worker-versioning';

export async function promoteWhenPolling(options: {
  settings: TemporalSettings;
  version: WorkerDeploymentVersion;
  log: Logger;
  signal: AbortSignal;
}): Promise<void> {
  const { settings, version, log, signal } = options;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(connectionOptions(settings));
    await promoteWorkerVersion({ connection, namespace: settings.namespace, version, log, signal, timeoutMs: 120_000 });
  } catch (error) {
    if (signal.aborted) return;
    log.warn(
      {
        err: error,
        version: versionName(version),
        command: `temporal worker deployment set-current-version --namespace ${settings.namespace} --deployment-name ${version.deploymentName} --build-id ${version.buildId}`,
      },
      'could not make this worker version current; until someone does, it runs only workflows already on it',
    );
  } finally {
    await connection?.close();
  }
}
