// How big the workflow's histories got: events per execution (describe → historyLength) and the
// largest payload stored (encrypted and compressed, as Temporal keeps it).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export interface HistoryStats {
  executions: number;
  maxHistoryLength: number;
  medianHistoryLength: number;
  maxHistorySizeBytes: number;
  /** Executions whose histories were fetched to find the largest payload. */
  sampledExecutions: number;
  maxPayloadBytes: number;
}

function largestPayload(history: temporal.api.history.v1.IHistory): number {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    if ('data' in value && 'metadata' in value && (value as { data: unknown }).data instanceof Uint8Array) {
      largest = Math.max(largest, (value as { data: Uint8Array }).data.length);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(history.events);
  return largest;
}

/** Describes every execution of the workflow; fetches the histories of at most `sample` of them. */
export async function historyStats(client: Client, workflowId: string, sample = 12): Promise<HistoryStats> {
  const runIds: string[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runIds.push(info.runId);
  const lengths: number[] = [];
  let maxSize = 0;
  for (const runId of runIds) {
    const description = await client.workflow.getHandle(workflowId, runId).describe();
    lengths.push(description.historyLength);
    maxSize = Math.max(maxSize, description.historySize ?? 0);
  }
  const step = Math.max(1, Math.ceil(runIds.length / sample));
  const sampled = runIds.filter((_, i) => i % step === 0);
  let maxPayload = 0;
  for (const runId of sampled) {
    maxPayload = Math.max(maxPayload, largestPayload(await client.workflow.getHandle(workflowId, runId).fetchHistory()));
  }
  const sorted = [...lengths].sort((a, b) => a - b);
  return {
    executions: runIds.length,
    maxHistoryLength: sorted.at(-1) ?? 0,
    medianHistoryLength: sorted[sorted.length >> 1] ?? 0,
    maxHistorySizeBytes: maxSize,
    sampledExecutions: sampled.length,
    maxPayloadBytes: maxPayload,
  };
}
