// The connection test's activity contract (POST /v1/connection-tests): the create shapes of a source
// and a destination, their write-only fields sealed by the API; one result per part given.
import type { DestinationConfig, SourceConfig } from './connector-config';

export interface ConnectionTestInput {
  source?: SourceConfig;
  destination?: DestinationConfig;
  /** The probe object's name under the destination's prefix: `<prefix>.auditflow/connection-test-<uuid>`. */
  probeObjectName?: string;
}

export interface ProbeOutcome {
  ok: boolean;
  /** What works, or the same message an export would give for the failure (never a secret). */
  message: string;
  latencyMs: number;
}

export interface ConnectionTestResult {
  source?: ProbeOutcome;
  destination?: ProbeOutcome;
}

export const CONNECTION_TEST_WORKFLOW_TYPE = 'connectionTestWorkflow';
export const connectionTestWorkflowId = (uuid: string): string => `connection-test-${uuid}`;
