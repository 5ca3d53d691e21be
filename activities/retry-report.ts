// Tells the export workflow that an activity attempt failed and Temporal will retry it. The workflow
// sees an activity only when it finally succeeds or fails; without this a source that fails for many
// minutes looks healthy. A signal on the worker's own client, sent before the failure is rethrown.
// Chosen over a retry loop in the workflow (a timer and three events per attempt in history, and a
// patch) and over reading `pendingActivities` from `describe()` in the API (which the status query and
// the UI's details would not see). The workflow's streak clears when that activity succeeds again or the
// run ends (workflows/retry-streak.ts).
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { activityRetryingSignal, type ActivityRetryingReport } from '../workflows/definitions';
import { ExportError } from './errors';

/** A report that cannot be sent within this is dropped: the retry itself matters more. */
const REPORT_TIMEOUT_MS = 5_000;

/** Runs an activity body; if it fails and will be retried, reports the failure to its workflow first. */
export async function reportingRetries<T>(body: () => Promise<T>): Promise<T> {
  const { info } = Context.current();
  if (info.attempt > 1) {
    // The previous attempt may have ended without a word (timed out, its worker killed): say so, without
    // delaying this attempt. The workflow ignores it when that attempt reported its own failure.
    const previous = info.attempt - 1;
    void send({
      activity: info.activityType,
      attempt: previous,
      message: `attempt ${previous} timed out or its worker stopped`,
      at: new Date().toISOString(),
      lost: true,
    });
  }
  try {
    return await body();
  } catch (error) {
    await reportRetry(error);
    throw error;
  }
}

async function reportRetry(error: unknown): Promise<void> {
  const { info, cancellationSignal } = Context.current();
  // A cancelled attempt is not retried, and nobody waits for it.
  if (cancellationSignal.aborted || !willRetry(error, info.attempt, info.retryPolicy?.maximumAttempts)) return;
  await send({
    activity: info.activityType,
    attempt: info.attempt,
    message: error instanceof Error ? error.message : String(error),
    at: new Date().toISOString(),
  });
}

async function send(report: ActivityRetryingReport): Promise<void> {
  const context = Context.current();
  const execution = context.info.workflowExecution;
  if (!execution || context.info.isLocal) return;
  try {
    const { client } = context;
    // To this very run: a report must never reach a later execution of the integration.
    await client.withDeadline(Date.now() + REPORT_TIMEOUT_MS, () =>
      client.workflow.getHandle(execution.workflowId, execution.runId).signal(activityRetryingSignal, report),
    );
  } catch (signalError) {
    log.warn('could not report the retry to the workflow', { error: (signalError as Error).message });
  }
}

/** What Temporal will do with this failure: retry unless it is non-retryable or the last attempt. */
export function willRetry(error: unknown, attempt: number, maximumAttempts: number | undefined): boolean {
  if (error instanceof ExportError && !error.retryable) return false;
  if (error instanceof ApplicationFailure && error.nonRetryable) return false;
  return !maximumAttempts || attempt < maximumAttempts;
}
