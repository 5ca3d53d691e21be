// The upload has no natural progress points to heartbeat at (it writes a few objects), so it heartbeats
// on a timer while it runs: a worker that dies mid-attempt stops heartbeating, and Temporal retries the
// attempt on another worker after the heartbeat timeout instead of the whole start-to-close timeout.
import type { Context } from '@temporalio/activity';

/** Heartbeats now and every third of the heartbeat timeout until the returned function is called. */
export function heartbeatWhileRunning(context: Context): () => void {
  const timeoutMs = context.info.heartbeatTimeoutMs;
  // Scheduled without a heartbeat timeout (executions from before it): nobody expects a heartbeat.
  if (!timeoutMs) return () => undefined;
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), Math.max(1_000, Math.floor(timeoutMs / 3)));
  return () => clearInterval(timer);
}
