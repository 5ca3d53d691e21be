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
/**
 * Where the destination's probe object goes: under the prefix, with any `%Y`-style placeholders
 * (`%Y %m %d %H %M`, `%%` for a percent sign) filled with `now` in UTC, as an upload at that moment
 * would fill them, so least privilege on the prefix covers the probe.
 */
export function probeObjectNameFor(prefix: string, uuid: string, now = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, string> = {
    Y: String(now.getUTCFullYear()),
    m: two(now.getUTCMonth() + 1),
    d: two(now.getUTCDate()),
    H: two(now.getUTCHours()),
    M: two(now.getUTCMinutes()),
    '%': '%',
  };
  const filled = prefix.replace(/%([YmdHM%])/g, (_, field: string) => fields[field]!);
  return `${filled}.auditflow/connection-test-${uuid}`;
}
