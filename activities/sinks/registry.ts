// Every destination auditflow can write to, by `destination.type`. Adding one: its folder next to
// gcs/ (see docs/architecture.md, "Adding a connector") and one line in SINKS.
import { z } from 'zod';
import { writeOnlyPaths } from '../../lib/write-only-fields';
import { ExportError } from '../errors';
import { azureBlobSink } from './azure-blob/connector';
import { gcsSink } from './gcs/connector';
import { s3Sink } from './s3/connector';
import type { AnySinkConnector, SinkConnector } from './sink';

const SINKS = [gcsSink, s3Sink, azureBlobSink] as const satisfies readonly AnySinkConnector[];

type Registered = (typeof SINKS)[number];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the config and view types are read
type ConfigOf<C> = C extends SinkConnector<infer Config, any> ? Config : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the config and view types are read
type ViewOf<C> = C extends SinkConnector<any, infer View> ? View : never;
/** The config of any registered destination (the API's `destination`, the workflow input's `config.destination`). */
export type RegisteredDestinationConfig = ConfigOf<Registered>;
/** The view of any registered destination (what the API returns as `destination`). */
export type RegisteredDestinationView = ViewOf<Registered>;

const byType = new Map<string, AnySinkConnector>(SINKS.map((connector) => [connector.type, connector]));
if (byType.size !== SINKS.length) throw new Error('two sink connectors share one type');

/** The API's `destination`: exactly one of the registered configs, picked by `type`. */
export const destinationConfigSchema = z.discriminatedUnion(
  'type',
  SINKS.map((c) => c.configSchema) as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<RegisteredDestinationConfig>;
/** What the API returns as `destination` and keeps in the memo. */
export const destinationViewSchema = z.discriminatedUnion(
  'type',
  SINKS.map((c) => c.viewSchema) as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<RegisteredDestinationView>;

/** The connector of `type`. A type this worker does not know is a configuration error, not a retry. */
export function sinkConnector(type: string): AnySinkConnector {
  const connector = byType.get(type);
  if (!connector) {
    throw new ExportError('InvalidConfig', `This worker has no destination connector of type "${type}"; deploy a worker that has one.`, { retryable: false });
  }
  return connector;
}

/** The write-only fields of every registered destination config (`token`, `credentials.serviceAccountJson`, …): what logs redact. */
export function destinationWriteOnlyPaths(): string[] {
  return [...new Set(SINKS.flatMap((c) => writeOnlyPaths(c.configSchema)))];
}
