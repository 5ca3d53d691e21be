import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { TemporalSettings } from '../lib/temporal-config';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  settings: TemporalSettings;
  taskQueue?: string;
  activityDeps?: ActivityDeps;
  /** A prebuilt bundle (tests build it once); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  overrides?: Partial<WorkerOptions>;
}

export async function createExportWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.settings.namespace,
    taskQueue: options.taskQueue ?? options.settings.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.activityDeps),
    // Let an activity in flight finish its batch on SIGTERM; a killed one is retried elsewhere.
    shutdownGraceTime: '30s',
    ...options.overrides,
  });
}
