// How big the workflow's histories got: events per execution (describe → historyLength) and the
// largest payload stored (encrypted and compressed, as Temporal keeps it); and, from the event times,
// where a batch's time went.
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';

const EventType = proto.temporal.api.enums.v1.EventType;

export interface HistoryStats {
  executions: number;
  maxHistoryLength: number;
  medianHistoryLength: number;
  maxHistorySizeBytes: number;
  /** Executions whose histories were fetched to find the largest payload. */
  sampledExecutions: number;
  maxPayloadBytes: number;
  /** Median milliseconds per step in the sampled executions (history event times). */
  stepMedianMs: StepTimes;
}

export interface StepTimes {
  /** Activity started → completed, per activity type; local activities scheduled → completed. */
  fetch?: number;
  map?: number;
  upload?: number;
  /** Scheduled → started: how long an activity waited for a worker slot and the poll. */
  activityQueue?: number;
  /** Workflow task started → completed (a local activity runs inside it). */
  workflowTask?: number;
}

const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
const median = (values: number[]) => (values.length === 0 ? undefined : Math.round([...values].sort((a, b) => a - b)[values.length >> 1]! * 10) / 10);

function stepDurations(history: temporal.api.history.v1.IHistory, into: Record<keyof StepTimes, number[]>): void {
  const byId = new Map<number, temporal.api.history.v1.IHistoryEvent>();
  for (const event of history.events ?? []) {
    byId.set(Number(event.eventId), event);
    const at = millis(event.eventTime);
    const since = (id: unknown) => at - millis(byId.get(Number(id))?.eventTime);
    const step = (name: string | null | undefined) => (name === 'fetch' || name === 'map' || name === 'upload' ? name : undefined);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        into.activityQueue.push(since(event.activityTaskStartedEventAttributes?.scheduledEventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const attributes = event.activityTaskCompletedEventAttributes;
        const name = step(byId.get(Number(attributes?.scheduledEventId))?.activityTaskScheduledEventAttributes?.activityType?.name);
        if (name) into[name].push(since(attributes?.startedEventId));
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        into.workflowTask.push(since(event.workflowTaskCompletedEventAttributes?.startedEventId));
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        // The SDK core's local-activity marker: its bookkeeping holds the scheduled and completed times.
        const marker = event.markerRecordedEventAttributes;
        const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
        if (!data) break;
        const la = JSON.parse(Buffer.from(data).toString()) as {
          activity_type: string;
          complete_time: { seconds: number; nanos: number };
          original_schedule_time: { seconds: number; nanos: number };
        };
        const name = step(la.activity_type);
        if (name) into[name].push(millis(la.complete_time) - millis(la.original_schedule_time));
        break;
      }
    }
  }
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
  const durations: Record<keyof StepTimes, number[]> = { fetch: [], map: [], upload: [], activityQueue: [], workflowTask: [] };
  for (const runId of sampled) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    maxPayload = Math.max(maxPayload, largestPayload(history));
    stepDurations(history, durations);
  }
  const sorted = [...lengths].sort((a, b) => a - b);
  return {
    executions: runIds.length,
    maxHistoryLength: sorted.at(-1) ?? 0,
    medianHistoryLength: sorted[sorted.length >> 1] ?? 0,
    maxHistorySizeBytes: maxSize,
    sampledExecutions: sampled.length,
    maxPayloadBytes: maxPayload,
    stepMedianMs: Object.fromEntries(Object.entries(durations).map(([step, values]) => [step, median(values)])),
  };
}
