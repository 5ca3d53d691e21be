import type { DataConverter, WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createDataConverter } from '../lib/data-converter';
import { settingsFrom } from '../lib/settings';
import type { TemporalSettings } from '../lib/temporal-config';
import { workflowsPath } from './bundle-workflows';
import { workerConcurrency } from './concurrency';

export { workflowsPath };

export interface CreateWorkerOptions {
  connection: NativeConnection;
  settings: TemporalSettings;
  taskQueue?: string;
  activityDeps?: ActivityDeps;
  /** Default: createDataConverter() (AUDITFLOW_ENCRYPTION_KEYS or the development key). */
  dataConverter?: DataConverter;
  /** A prebuilt bundle (worker/main.ts and the tests build it once); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Joins this Worker Deployment version (lib/worker-versioning.ts); unset: an unversioned worker. */
  deploymentVersion?: WorkerDeploymentVersion;
  overrides?: Partial<WorkerOptions>;
}

export async function createExportWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.settings.namespace,
    taskQueue: options.taskQueue ?? options.settings.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.activityDeps),
    // Encrypts every payload and failure message this worker writes to history.
    dataConverter: options.dataConverter ?? createDataConverter(),
    // Let an activity in flight finish its batch on SIGTERM; a killed one is retried elsewhere.
    shutdownGraceTime: '30s',
    // Every workflow type auto-upgrades: its next task runs on the deployment's current version and
    // replays there (changes go behind patched()). None is pinned, and none carries a versioning
    // annotation (setWorkflowOptions), which the server refuses from an unversioned worker.
    ...(options.deploymentVersion
      ? { workerDeploymentOptions: { useWorkerVersioning: true, version: options.deploymentVersion, defaultVersioningBehavior: 'AUTO_UPGRADE' } }
      : {}),
    // Activity and local-activity slots, workflow task slots and the workflow cache (AUDITFLOW_WORKER_*).
    ...workerConcurrency(settingsFrom()),
    ...options.overrides,
  });
}
