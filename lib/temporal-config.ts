import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const searchAttributeType = z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

const temporalYamlSchema = z.strictObject({
  namespace: z.string().min(1),
  taskQueue: z.string().min(1),
  address: z.string().min(1),
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
export type TemporalSettings = z.infer<typeof temporalYamlSchema> & {
  /** True when TEMPORAL_ADDRESS names a server the user runs (no dev server is started then). */
  externalServer: boolean;
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

/** Reads temporal.yaml and applies the environment overrides documented in it. */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env, file = path.join(repoRoot, 'temporal.yaml')): TemporalSettings {
  const parsed = temporalYamlSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const settings = parsed.data;
  const port = intFromEnv(env, 'TEMPORAL_PORT', settings.devServer.port);
  const externalServer = Boolean(env.TEMPORAL_ADDRESS);
  return {
    ...settings,
    namespace: env.TEMPORAL_NAMESPACE || settings.namespace,
    taskQueue: env.AUDITFLOW_TASK_QUEUE || settings.taskQueue,
    address: env.TEMPORAL_ADDRESS || `${settings.devServer.ip}:${port}`,
    devServer: { ...settings.devServer, port, uiPort: intFromEnv(env, 'TEMPORAL_UI_PORT', settings.devServer.uiPort) },
    externalServer,
  };
}
