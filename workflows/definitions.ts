// Everything a client needs to talk to the export workflow: names, types, signals, query.
// Imported by the workflow, the activities, the API and the scripts (one name, one place).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ConnectorFacts } from '../contracts/connector-config';
import type { RegisteredDestinationConfig } from '../activities/sinks/registry';
import type { RegisteredSourceConfig, SourceFilters } from '../activities/sources/registry';
import type { Schedule } from '../api/schemas/schedule';
import type { ManifestRef } from '../contracts/evidence';

export { EXPORT_WORKFLOW_TYPE, workflowIdFor } from '../contracts/workflow-ids';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const deleteSignal = defineSignal('delete');
export const runNowSignal = defineSignal('runNow');
export const statusQuery = defineQuery<ExportStatusView>('status');
/**
 * Sent by an activity of the workflow's own run when an attempt failed and Temporal will retry it:
 * the workflow does not see activity retries otherwise, and a failing source must not look healthy.
 */
export const activityRetryingSignal = defineSignal<[ActivityRetryingReport]>('activityRetrying');

export interface ActivityRetryingReport {
  /** The activity type: fetch or upload. */
  activity: string;
  /** The attempt that failed (1 is the first). */
  attempt: number;
  /** Its error, as a person reads it (never a secret: the same text the run's lastError would carry). */
  message: string;
  /** When it failed (or, if `lost`, when the next attempt began), RFC 3339. */
  at: string;
  /**
   * Sent by the next attempt as it begins: `attempt` ended without a word (it timed out, or its worker
   * stopped). Ignored when that attempt reported its failure itself.
   */
  lost?: boolean;
}

export const IntegrationIdAttribute = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const ExportStatusAttribute = defineSearchAttributeKey('ExportStatus', SearchAttributeType.KEYWORD);
export const SourceTypeAttribute = defineSearchAttributeKey('SourceType', SearchAttributeType.KEYWORD);
/**
 * The integration's name, so the UI's workflow list can show it as a column: the start's static summary
 * is not carried across continue-as-new (the command has no user metadata), search attributes are.
 */
export const IntegrationNameAttribute = defineSearchAttributeKey('IntegrationName', SearchAttributeType.KEYWORD);
/**
 * The destination claim an integration holds (set by the API at creation, carried across continue-as-new):
 * integrations without it predate claims, the only ones a create must still compare destinations with.
 */
export const DestinationClaimAttribute = defineSearchAttributeKey('DestinationClaim', SearchAttributeType.KEYWORD);

export type ExportStatus = 'active' | 'paused' | 'error' | 'deleted';

/** Every duration the workflow uses, in milliseconds, so tests can run on seconds. */
export interface ExportTiming {
  /**
   * Between the end of one run and the start of the next: the one interval field of the workflow.
   * Inputs recorded before it was the only one also carry `intervalMinutes` (always equal, never read).
   */
  intervalMs: number;
  activityTimeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Attempts per activity per run; when they are spent the run ends with status `error`. */
  retryMaxAttempts: number;
}

export interface ExportLimits {
  /** Events in one object. */
  maxEventsPerFile: number;
  /** Bytes of JSONL in one object. */
  maxBytesPerFile: number;
  /**
   * Events in one fetched batch (mapped into files and uploaded together). Integrations created before
   * it existed fetch `maxEventsPerFile` events per batch.
   */
  maxEventsPerBatch?: number;
  /** Bytes of source records in one fetched batch: bounds the activity payloads in history. */
  maxFetchBytes: number;
  /** How late an event may become visible at the source after its timestamp (plus clock skew). */
  lateArrivalSeconds: number;
  /** Batches handled by one workflow execution before it continues as new mid-run. */
  maxBatchesPerExecution: number;
}

/**
 * The workflow input's configuration. `source` and `destination` are their connectors' configs
 * (secrets included: the payload codec encrypts the input); the workflow reads only their `type` and
 * the destination's `prefix`, and takes everything else it shows or names from `connectorFacts`.
 */
export interface IntegrationConfig {
  integrationId: string;
  name: string;
  source: RegisteredSourceConfig;
  destination: RegisteredDestinationConfig;
  /** Computed by the connectors at creation; absent in inputs from before (see contracts/legacy-inputs.ts). */
  connectorFacts?: ConnectorFacts;
  includeHistorical: boolean;
  /** RFC 3339; without history the export starts here. */
  createdAt: string;
  /** RFC 3339: the first run exports from this second on (wins over includeHistorical). Absent before it existed. */
  backfillFrom?: string;
  /**
   * Calendar times of the runs after the first (workflows/schedule.ts); absent: every `timing.intervalMs`.
   * Workers from before schedules ignore it and use `timing.intervalMs`, which is therefore set to the
   * schedule's usual gap (see scheduleFallbackMinutes).
   */
  schedule?: Schedule;
  /** Only matching records are exported (activities/sources/<type>/filters.ts); absent: all. */
  filters?: SourceFilters;
  timing: ExportTiming;
  limits: ExportLimits;
  /**
   * A one-time export's range (RFC 3339; `from` inclusive, `to` exclusive): every fetch is bounded by
   * it (workflows/one-time-export.ts). Absent for integrations.
   */
  range?: { from: string; to: string };
}

export interface RunSummary {
  startedAt: string;
  finishedAt?: string;
  events: number;
  files: number;
  outcome?: 'completed' | 'failed' | 'paused' | 'deleted';
}

/**
 * The durable progress of an export, carried across continue-as-new.
 * `watermark`: every event with timestamp <= watermark is in the bucket (null: nothing settled yet,
 * the export starts at the beginning of history). `recentKeys`: the dedupe keys of exported events
 * with timestamp > watermark, by epoch second, so a re-read of that window never exports one twice.
 */
export interface ExportProgress {
  watermark: string | null;
  recentKeys: Record<string, string[]>;
  nextSeq: number;
  totals: { events: number; files: number };
}

export interface ExportState {
  progress: ExportProgress;
  paused: boolean;
  deleted: boolean;
  runRequested: boolean;
  lastError?: { message: string; at: string; kind?: string };
  lastRun?: RunSummary;
  /** Set when an execution continued as new in the middle of a run. */
  runInProgress?: RunSummary;
  nextRunAt?: string;
  /** The newest durable manifest: the next one chains to it (absent before the evidence chain's first manifest). */
  lastManifest?: ManifestRef;
}

export interface ExportWorkflowInput {
  config: IntegrationConfig;
  /** Absent on the first execution. */
  state?: ExportState;
}

/** A run that is retrying a failed activity: `attempt` failed last, the streak began at `since`. */
export interface RetryingView {
  attempt: number;
  message: string;
  since: string;
}

export interface ExportStatusView {
  status: ExportStatus;
  lastError?: { message: string; at: string };
  /** Present while an activity of the current run fails and is retried; gone once one succeeds again. */
  retrying?: RetryingView;
  lastRun?: RunSummary;
  nextRunAt?: string;
  watermark: string | null;
  totals: { events: number; files: number };
  nextSeq: number;
  running: boolean;
}

export const DEFAULT_LIMITS: ExportLimits = {
  maxEventsPerFile: 1000,
  maxBytesPerFile: 4 * 1024 * 1024,
  // Fewer, larger batches: each costs a fixed few round trips through the server (bench/RESULTS.md:
  // 1,000 → 3,000 events per batch took a 100k backfill from ~5,000 to ~8,000 events/s).
  maxEventsPerBatch: 3000,
  maxFetchBytes: 1536 * 1024,
  lateArrivalSeconds: 6 * 60,
  maxBatchesPerExecution: 20,
};

/**
 * The interval a worker from before schedules runs a scheduled integration at (it knows only
 * `intervalMs`): the schedule's usual gap, capped at the longest interval, so such a worker neither
 * floods the source nor stops exporting while a deployment rolls out.
 */
export function scheduleFallbackMinutes(schedule: Schedule): number {
  return { hourly: 60, daily: 24 * 60, weekly: 7 * 24 * 60, monthly: 7 * 24 * 60 }[schedule.frequency];
}

export function defaultTiming(intervalMinutes: number): ExportTiming {
  return {
    intervalMs: intervalMinutes * 60_000,
    activityTimeoutMs: 5 * 60_000,
    retryInitialMs: 1_000,
    retryMaxMs: 60_000,
    retryMaxAttempts: 8,
  };
}
