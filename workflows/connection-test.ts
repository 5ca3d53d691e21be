// The connection test as a workflow of one activity: the probe must run on a worker (it holds the key
// that opens sealed secrets, the trusted-endpoint settings and the ambient credentials), and Temporal
// is how the API reaches a worker. One attempt, no retries: the answer is for a person waiting for it.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ConnectionTestInput, ConnectionTestResult } from '../contracts/connection-test';

const { testConnection } = proxyActivities<Activities>({
  // Each probe gives up after 30 s (activities/connection-test.ts); both run at once.
  startToCloseTimeout: '45s',
  retry: { maximumAttempts: 1 },
});

export async function connectionTestWorkflow(input: ConnectionTestInput): Promise<ConnectionTestResult> {
  return await testConnection(input);
}
