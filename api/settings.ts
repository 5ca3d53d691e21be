// What the API needs to know besides its Temporal client; built from the environment by api/main.ts
// and by hand in tests.
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
export const DEFAULT_API_PORT = 8080;
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5_000;
/** /readyz must answer fast, whatever the per-call deadline is. */
export const READY_TIMEOUT_MS = 1_500;

/** `AUDITFLOW_API_TOKEN` is a comma-separated list; blanks around and between commas are ignored. */
export function parseTokens(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

export function loadApiSettings(env: NodeJS.ProcessEnv = process.env, temporal: TemporalSettings = loadTemporalSettings(env)): ApiSettings & { port: number } {
  const tokens = parseTokens(env.AUDITFLOW_API_TOKEN);
  if (tokens.length === 0) {
    throw new Error('AUDITFLOW_API_TOKEN is not set: the API refuses to run without a token (a comma-separated list rotates them)');
  }
  const port = Number(env.AUDITFLOW_API_PORT || DEFAULT_API_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`AUDITFLOW_API_PORT must be a port number, got "${env.AUDITFLOW_API_PORT}"`);
  }
  const temporalTimeoutMs = Number(env.AUDITFLOW_API_TEMPORAL_TIMEOUT_MS || DEFAULT_TEMPORAL_TIMEOUT_MS);
  if (!Number.isInteger(temporalTimeoutMs) || temporalTimeoutMs < 100 || temporalTimeoutMs > 120_000) {
    throw new Error(`AUDITFLOW_API_TEMPORAL_TIMEOUT_MS must be milliseconds between 100 and 120000, got "${env.AUDITFLOW_API_TEMPORAL_TIMEOUT_MS}"`);
  }
  return { taskQueue: temporal.taskQueue, tokens, bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES, temporalTimeoutMs, port };
}
