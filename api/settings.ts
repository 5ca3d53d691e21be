// What the API needs to know besides its Temporal client; built from the environment by api/main.ts
// and by hand in tests.
import { settingsFrom } from '../lib/settings';
import { loadTemporalSettings, type TemporalSettings } from '../lib/temporal-config';

export interface ApiSettings {
  /** Task queue the export workflows are started on (the worker's). */
  taskQueue: string;
  /** Valid bearer tokens; more than one while a token is rotated. */
  tokens: string[];
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Deadline of each Temporal call; past it the request is a 503 temporal_unavailable. Default 5 s. */
  temporalTimeoutMs?: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5_000;
/** /readyz must answer fast, whatever the per-call deadline is. */
export const READY_TIMEOUT_MS = 1_500;

export function loadApiSettings(env: NodeJS.ProcessEnv = process.env, temporal: TemporalSettings = loadTemporalSettings(env)): ApiSettings & { port: number } {
  const settings = settingsFrom(env);
  const tokens = settings.AUDITFLOW_API_TOKEN ?? [];
  if (tokens.length === 0) {
    throw new Error('AUDITFLOW_API_TOKEN is not set: the API refuses to run without a token (a comma-separated list rotates them)');
  }
  return {
    taskQueue: temporal.taskQueue,
    tokens,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    temporalTimeoutMs: settings.AUDITFLOW_API_TEMPORAL_TIMEOUT_MS,
    port: settings.AUDITFLOW_API_PORT,
  };
}
