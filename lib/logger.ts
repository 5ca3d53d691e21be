import pino from 'pino';

/** Secret-bearing fields are redacted wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'serviceAccountJson',
  '*.serviceAccountJson',
  '*.*.serviceAccountJson',
  '*.*.*.serviceAccountJson',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'private_key',
  '*.private_key',
];

export function createLogger(name: string, level = process.env.AUDITFLOW_LOG_LEVEL ?? 'info') {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
export type Logger = ReturnType<typeof createLogger>;
