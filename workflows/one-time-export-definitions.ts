// What a client needs of a one-time export's workflow (workflows/one-time-export.ts): its name, id,
// input, signal, query and result. Imported by the workflow and by the API (one name, one place).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ExportState, IntegrationConfig, RetryingView } from './definitions';

export const ONE_TIME_EXPORT_WORKFLOW_TYPE = 'oneTimeExportWorkflow';
export const oneTimeExportWorkflowId = (exportId: string): string => `audit-log-one-time-export-${exportId}`;

export type OneTimeExportStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** The export's config: an integration's, with `range` set (`integrationId` is the export's id). */
export type OneTimeExportConfig = IntegrationConfig & { range: { from: string; to: string } };

export interface OneTimeExportInput {
  config: OneTimeExportConfig;
  /** Absent on the first execution; carried across continue-as-new. */
  state?: ExportState;
}

/** The status query and the workflow's result: what GET /v1/exports/:id shows of a live or ended export. */
export interface OneTimeExportView {
  status: OneTimeExportStatus;
  progress: { events: number; files: number };
  /** Every event up to and including this second is exported (null before the first batch). */
  watermark: string | null;
  lastError?: { message: string; at: string; kind?: string };
  retrying?: RetryingView;
  /** While it waits for late events: when its last pass starts. */
  lastPassAt?: string;
}

/** Stops the export: activities in flight are cancelled, written objects stay. */
export const cancelExportSignal = defineSignal('cancel');
export const oneTimeExportStatusQuery = defineQuery<OneTimeExportView>('oneTimeExportStatus');
