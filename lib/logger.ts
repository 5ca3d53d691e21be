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
  '*.*.private_key',
  // GCS credentials as a whole (destination.credentials, config.destination.credentials).
  'credentials',
  '*.credentials',
  '*.*.credentials',
  '*.*.*.credentials',
  // OAuth/STS/IAM token fields, and a google-auth-library error's request (its body holds the signed
  // assertion or subject token, its headers a bearer token).
  'access_token',
  '*.access_token',
  'accessToken',
  '*.accessToken',
  'subject_token',
  '*.subject_token',
  'assertion',
  '*.assertion',
  'err.config',
  'err.response.config',
  '*.err.config',
  // Key material, should an environment ever be logged.
  'AUDITFLOW_ENCRYPTION_KEYS',
  '*.AUDITFLOW_ENCRYPTION_KEYS',
  'AUDITFLOW_OIDC_SIGNING_KEYS',
  '*.AUDITFLOW_OIDC_SIGNING_KEYS',
  'AUDITFLOW_API_TOKEN',
  '*.AUDITFLOW_API_TOKEN',
];

export function createLogger(name: string, level = process.env.AUDITFLOW_LOG_LEVEL ?? 'info') {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
export type Logger = ReturnType<typeof createLogger>;
