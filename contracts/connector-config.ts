// What the workflow and the generic activities know of a source or destination configuration: its
// `type` (which picks the connector from its registry) and, for a destination, the object-name prefix.
// Every other field belongs to the connector: its zod schema in activities/sources/<type>/ or
// activities/sinks/<type>/ validates it at the API and types it in the worker.

export interface SourceConfig {
  /** Picks the connector in activities/sources/registry.ts. */
  type: string;
  /** The connector's own fields. */
  [field: string]: unknown;
}

export interface DestinationConfig {
  /** Picks the connector in activities/sinks/registry.ts. */
  type: string;
  /** Prepended to every object name, e.g. "mondoo/" or "mondoo/%Y/%m/%d/"; empty for the bucket root. */
  prefix: string;
  /** How objects are stored (activities/sinks/object-format.ts); absent in configs from before it: `none`. */
  compression?: 'none' | 'gzip';
  /** The connector's own fields. */
  [field: string]: unknown;
}

/**
 * What the connectors computed at creation for the workflow, so that workflow code never parses a
 * source id or builds a storage URL: it only concatenates these. Absent in inputs recorded before
 * connectors existed; `connectorFactsOf` (contracts/legacy-inputs.ts) derives them for those.
 */
export interface ConnectorFacts {
  /** The source's scope in object names, e.g. `org-acme` (`<prefix><slug>-audit-logs-<from>-<to>.jsonl`). */
  scopeSlug: string;
  /** The source's scope as a person knows it (e.g. a Mondoo scope MRN): summaries, OCSF tenant. */
  scopeId: string;
  /** Where objects land, ready to take an object name (which includes the prefix), e.g. `gs://bucket/`. */
  objectUrlBase: string;
}
