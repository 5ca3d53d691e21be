// Every source auditflow can export from, by `source.type`. Adding a source: its folder next to
// mondoo/ (see docs/architecture.md, "Adding a connector") and one line in SOURCES.
import { z } from 'zod';
import { writeOnlyPaths } from '../../lib/write-only-fields';
import { ExportError } from '../errors';
import { endorLabsSource } from './endorlabs/connector';
import { gcpAuditLogsSource } from './gcp-audit-logs/connector';
import { mondooSource } from './mondoo/connector';
import type { AnySourceConnector, SourceConnector } from './source';

const SOURCES = [mondooSource, endorLabsSource, gcpAuditLogsSource] as const satisfies readonly AnySourceConnector[];

type Registered = (typeof SOURCES)[number];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the config and view types are read
type ConfigOf<C> = C extends SourceConnector<infer Config, any, any> ? Config : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the config and view types are read
type ViewOf<C> = C extends SourceConnector<any, infer View, any> ? View : never;
/** The config of any registered source (the API's `source`, the workflow input's `config.source`). */
export type RegisteredSourceConfig = ConfigOf<Registered>;
/** The view of any registered source (what the API returns as `source`). */
export type RegisteredSourceView = ViewOf<Registered>;

const byType = new Map<string, AnySourceConnector>(SOURCES.map((connector) => [connector.type, connector]));
if (byType.size !== SOURCES.length) throw new Error('two source connectors share one type');

/** The API's `source`: exactly one of the registered configs, picked by `type`. */
export const sourceConfigSchema = z.discriminatedUnion(
  'type',
  SOURCES.map((c) => c.configSchema) as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<RegisteredSourceConfig>;
/** What the API returns as `source` and keeps in the memo. */
export const sourceViewSchema = z.discriminatedUnion(
  'type',
  SOURCES.map((c) => c.viewSchema) as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<RegisteredSourceView>;

/** The connector of `type`. A type this worker does not know is a configuration error, not a retry. */
export function sourceConnector(type: string): AnySourceConnector {
  const connector = byType.get(type);
  if (!connector) {
    throw new ExportError('InvalidConfig', `This worker has no source connector of type "${type}"; deploy a worker that has one.`, { retryable: false });
  }
  return connector;
}

/** The write-only fields of every registered source config (`token`, `credentials.serviceAccountJson`, …): what logs redact. */
export function sourceWriteOnlyPaths(): string[] {
  return [...new Set(SOURCES.flatMap((c) => writeOnlyPaths(c.configSchema)))];
}
