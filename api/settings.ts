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
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_API_PORT = 8080;

/** `AUDITFLOW_API_TOKEN` is a comma-separated list; blanks around and between commas are ignored. */
export function parseTokens(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

export function loadApiSettings(
  env: NodeJS.ProcessEnv = process.env,
  temporal: TemporalSettings = loadTemporalSettings(env),
): ApiSettings & { port: number } {
  const tokens = parseTokens(env.AUDITFLOW_API_TOKEN);
  if (tokens.length === 0) {
    throw new Error('AUDITFLOW_API_TOKEN is not set: the API refuses to run without a token (a comma-separated list rotates them)');
  }
  const port = Number(env.AUDITFLOW_API_PORT || DEFAULT_API_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`AUDITFLOW_API_PORT must be a port number, got "${env.AUDITFLOW_API_PORT}"`);
  }
  return { taskQueue: temporal.taskQueue, tokens, bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES, port };
}
