// The worker's concurrency limits: unset they are the SDK's defaults (behaviour as before the settings),
// set they reach the worker options, and limits that contradict each other stop the worker at start.
import { describe, expect, it } from 'vitest';
import { settingsFrom, SettingsError } from '../../lib/settings';
import { workerConcurrency } from '../../worker/concurrency';

describe('worker concurrency settings', () => {
  it("are the SDK's defaults when unset: 100 activity and local-activity slots, the SDK's workflow task slots and cache", () => {
    expect(workerConcurrency(settingsFrom({}))).toEqual({ maxConcurrentActivityTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 });
  });

  it('pass every value set to the worker', () => {
    const options = workerConcurrency(
      settingsFrom({
        AUDITFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES: '8',
        AUDITFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '4',
        AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
        AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: '500',
      }),
    );
    expect(options).toEqual({
      maxConcurrentActivityTaskExecutions: 8,
      maxConcurrentLocalActivityExecutions: 4,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxCachedWorkflows: 500,
    });
  });

  it('take the workflow task slots down with a cache smaller than the default 40 slots', () => {
    expect(workerConcurrency(settingsFrom({ AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: '16' }))).toMatchObject({
      maxConcurrentWorkflowTaskExecutions: 16,
      maxCachedWorkflows: 16,
    });
    expect(workerConcurrency(settingsFrom({ AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: '1000' }))).not.toHaveProperty('maxConcurrentWorkflowTaskExecutions');
  });

  it('refuse more workflow task slots than cached workflows, naming both variables', () => {
    const settings = settingsFrom({ AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '50', AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: '20' });
    expect(() => workerConcurrency(settings)).toThrow(SettingsError);
    expect(() => workerConcurrency(settings)).toThrow(
      'AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (50) must not exceed AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS (20)',
    );
  });

  it.each([
    ['AUDITFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES', '0', 'must be a positive whole number of activity tasks'],
    ['AUDITFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 'many', 'must be a positive whole number of local activities'],
    ['AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1', 'must be a whole number of workflow tasks, at least 2'],
    ['AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS', '2.5', 'must be a whole number of workflows, at least 2'],
  ])('refuse %s=%s', (name, value, message) => {
    expect(() => settingsFrom({ [name]: value })).toThrow(`${name} ${message}, got "${value}"`);
  });
});
