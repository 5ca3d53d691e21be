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

/** Every registered `source.type` (the API's list filter takes one). */
export const sourceTypes = SOURCES.map((c) => c.type) as [Registered['type'], ...Array<Registered['type']>];

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

/** An integration's or one-time export's `filters`: lists of exact values by field, per source type (./<type>/filters.ts). */
export type SourceFilters = Record<string, string[]>;

const jsonSchemaOf = (schema: z.ZodType) => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return rest;
};

/**
 * The API's `filters` field. Which fields it may have depends on `source.type`, which a field schema
 * cannot see: it takes any object here and `checkSourceFilters` (in the create schema's refinement)
 * validates it with the source's own schema. The document lists every source's shape.
 */
export const sourceFiltersSchema = z.record(z.string(), z.unknown(), { error: 'filters must be an object of lists' }).meta({
  description:
    "Export only the source's records that match (every list given must contain the record's value; an absent list matches all). " +
    'The fields depend on source.type; Cloud Audit Logs filters with source.filter instead. Filtered-out records are passed over, never exported later.',
  anyOf: SOURCES.flatMap((c) => (c.filters ? [jsonSchemaOf(c.filters.schema)] : [])),
}) as unknown as z.ZodType<SourceFilters>;

/**
 * Validates `filters` against the schema of the `type` source, reporting each problem under `path`
 * (e.g. filters.actions). For every create schema that takes filters with a source.
 */
export function checkSourceFilters(type: string, filters: unknown, ctx: z.core.$RefinementCtx, path: PropertyKey[] = ['filters']): void {
  const connector = sourceConnector(type);
  if (!connector.filters) {
    // A source that filters with a query of its own (Cloud Audit Logs) has it in its config.
    const hint = 'filter' in connector.configSchema.shape ? '; use source.filter' : '';
    ctx.addIssue({ code: 'custom', path, message: `${type} sources take no filters${hint}` });
    return;
  }
  const result = connector.filters.schema.safeParse(filters);
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...path, ...issue.path, key], message: `unknown field for ${type} sources` });
    } else {
      ctx.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
    }
  }
}

/** Whether a record passes `filters` (absent: every record does); the fetch asks it before mapping. */
export function sourceRecordFilter(type: string, filters: SourceFilters | undefined): ((node: unknown) => boolean) | undefined {
  const filter = sourceConnector(type).filters;
  if (!filters || !filter) return undefined;
  return (node) => filter.matches(node, filters);
}

/** The write-only fields of every registered source config (`token`, `credentials.serviceAccountJson`, …): what logs redact. */
export function sourceWriteOnlyPaths(): string[] {
  return [...new Set(SOURCES.flatMap((c) => writeOnlyPaths(c.configSchema)))];
}
