import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { parse } from 'yaml';
import { z } from 'zod';
import { settingsFrom } from './settings';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const searchAttributeType = z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

// auditflow's own Temporal settings. How to reach Temporal (address, namespace, TLS, API key) is not
// here: it comes from Temporal's environment configuration, as for the `temporal` CLI.
const temporalYamlSchema = z.strictObject({
  namespace: z.string().min(1),
  taskQueue: z.string().min(1),
  searchAttributes: z.record(z.string(), searchAttributeType),
  devServer: z.strictObject({
    ip: z.string().min(1),
    port: z.number().int().positive(),
    uiPort: z.number().int().positive(),
    dbFilename: z.string().min(1),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']),
    dynamicConfig: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
});

/** What a client or worker connection needs besides the address: the same for Connection and NativeConnection. */
export interface TemporalCredentials {
  /** true: TLS with the system's roots; an object: client certificate, CA, server name. */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** gRPC metadata sent with every call (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
}

export type TemporalSettings = z.infer<typeof temporalYamlSchema> & {
  /** host:port of the frontend. */
  address: string;
  /** True when the environment or a temporal.toml profile names a server (no dev server is started then). */
  externalServer: boolean;
  credentials: TemporalCredentials;
};

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a port number, got "${raw}"`);
  }
  return value;
}

/**
 * Temporal's environment configuration (`@temporalio/envconfig`, as the `temporal` CLI reads it): the
 * TEMPORAL_PROFILE profile (else "default") of temporal.toml (TEMPORAL_CONFIG_FILE, else the user's
 * config dir), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
 * TEMPORAL_GRPC_META_*. Empty variables count as unset.
 */
function temporalEnvConfig(env: NodeJS.ProcessEnv) {
  const set = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  try {
    return loadClientConnectConfig({ overrideEnvVars: set });
  } catch (error) {
    const where = set.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE ${set.TEMPORAL_CONFIG_FILE})` : '';
    throw new Error(`Temporal connection settings${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads temporal.yaml and Temporal's environment configuration. TEMPORAL_ADDRESS set but empty means
 * the local dev server at TEMPORAL_PORT without credentials, whatever a profile says (the tests and
 * benchmarks start their own).
 */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env, file = path.join(repoRoot, 'temporal.yaml')): TemporalSettings {
  const parsed = temporalYamlSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const settings = parsed.data;
  const port = intFromEnv(env, 'TEMPORAL_PORT', settings.devServer.port);
  const devServer = { ...settings.devServer, port, uiPort: intFromEnv(env, 'TEMPORAL_UI_PORT', settings.devServer.uiPort) };
  const taskQueue = settingsFrom(env).AUDITFLOW_TASK_QUEUE || settings.taskQueue;
  const devAddress = `${settings.devServer.ip}:${port}`;
  if (env.TEMPORAL_ADDRESS === '') {
    return {
      ...settings,
      namespace: env.TEMPORAL_NAMESPACE || settings.namespace,
      taskQueue,
      address: devAddress,
      devServer,
      externalServer: false,
      credentials: {},
    };
  }
  const { namespace, connectionOptions } = temporalEnvConfig(env);
  const { address, tls, apiKey, metadata } = connectionOptions;
  if (apiKey !== undefined && typeof apiKey !== 'string') throw new Error('TEMPORAL_API_KEY must be a string');
  const credentials: TemporalCredentials = {
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])) } : {}),
  };
  return {
    ...settings,
    namespace: namespace || settings.namespace,
    taskQueue,
    address: address || devAddress,
    devServer,
    externalServer: Boolean(address),
    credentials,
  };
}

/** Options for Connection.connect / NativeConnection.connect / Connection.lazy. */
export function connectionOptions(settings: Pick<TemporalSettings, 'address' | 'credentials'>) {
  return { address: settings.address, ...settings.credentials };
}

/** For logs: how this process authenticates to Temporal, without any secret. */
export function describeCredentials(credentials: TemporalCredentials): string {
  const tls = credentials.tls;
  const parts = [
    tls === undefined || tls === false ? 'plaintext' : tls === true || !tls.clientCertPair ? 'TLS' : 'mTLS (client certificate)',
    ...(credentials.apiKey ? ['API key'] : []),
  ];
  return parts.join(' + ');
}
