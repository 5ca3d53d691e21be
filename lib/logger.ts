import pino from 'pino';

import { destinationWriteOnlyPaths } from '../activities/sinks/registry';
import { sourceWriteOnlyPaths } from '../activities/sources/registry';
import { settingsFrom } from './settings';

/**
 * Secrets that no connector schema declares: HTTP and OAuth fields, key files' insides, a
 * google-auth-library error's request (its body holds the signed assertion or subject token, its
 * headers a bearer token), and key material should an environment ever be logged.
 */
const ALWAYS_SECRET = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'private_key',
  '*.private_key',
  '*.*.private_key',
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
  'AUDITFLOW_ENCRYPTION_KEYS',
  '*.AUDITFLOW_ENCRYPTION_KEYS',
  'AUDITFLOW_OIDC_SIGNING_KEYS',
  '*.AUDITFLOW_OIDC_SIGNING_KEYS',
  'AUDITFLOW_SEALING_KEYS',
  '*.AUDITFLOW_SEALING_KEYS',
  'AUDITFLOW_API_TOKEN',
  '*.AUDITFLOW_API_TOKEN',
];

/** A config is logged at most this deep: `source`, `body.source`, `config.source`, `input.config.source`. */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

/**
 * Every write-only field of every registered connector (its schema's `.meta({ writeOnly: true })`),
 * wherever a config sits in a log line: its whole path (`credentials.serviceAccountJson`) and, should
 * it be logged on its own, its name (`serviceAccountJson`); the object holding a connector's
 * credentials (`credentials`) as a whole too.
 */
function connectorSecretPaths(): string[] {
  const paths = [...sourceWriteOnlyPaths(), ...destinationWriteOnlyPaths()];
  const names = paths.flatMap((path) => {
    const parts = path.split('.').filter((part) => part !== '[]');
    return [parts.join('.'), parts.at(-1)!, ...(parts.length > 1 ? [parts[0]!] : [])];
  });
  return [...new Set(names)].flatMap((name) => DEPTHS.map((depth) => `${depth}${name}`));
}

/** Secret-bearing fields are redacted wherever they appear in a log line. */
export const REDACTED_PATHS = [...new Set([...connectorSecretPaths(), ...ALWAYS_SECRET])];

/** The configured level; a wrong setting is reported by the process's own start-up check, through this logger. */
function configuredLevel(): string {
  try {
    return settingsFrom().AUDITFLOW_LOG_LEVEL;
  } catch {
    return 'info';
  }
}

export function createLogger(name: string, level: string = configuredLevel()) {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
export type Logger = ReturnType<typeof createLogger>;
