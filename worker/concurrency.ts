// The worker's concurrency limits from the AUDITFLOW_WORKER_* settings (sizing: docs/operations.md).
// Unset, each is what the SDK chooses, so a worker without them behaves as before they existed.
import type { WorkerOptions } from '@temporalio/worker';
import { SettingsError, type Settings } from '../lib/settings';

/** The SDK's default number of workflow task slots. */
const SDK_WORKFLOW_TASK_SLOTS = 40;

export type ConcurrencyOptions = Pick<
  WorkerOptions,
  'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'
>;

export function workerConcurrency(settings: Settings): ConcurrencyOptions {
  const cached = settings.AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS;
  const workflowTasks = settings.AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  // A workflow task runs on a cached workflow: more slots than cache entries would evict workflows in
  // the middle of their tasks. A cache set smaller than the SDK's 40 slots takes the slots down with it.
  if (cached !== undefined && workflowTasks !== undefined && workflowTasks > cached) {
    throw new SettingsError(
      ['AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS'],
      `AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${workflowTasks}) must not exceed AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS (${cached})`,
    );
  }
  const slots = workflowTasks ?? (cached !== undefined && cached < SDK_WORKFLOW_TASK_SLOTS ? cached : undefined);
  return {
    maxConcurrentActivityTaskExecutions: settings.AUDITFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: settings.AUDITFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    ...(slots === undefined ? {} : { maxConcurrentWorkflowTaskExecutions: slots }),
    ...(cached === undefined ? {} : { maxCachedWorkflows: cached }),
  };
}
