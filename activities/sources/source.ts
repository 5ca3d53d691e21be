// The contract of a source connector: everything auditflow needs to export one SaaS audit log. One
// connector per folder (activities/sources/<type>/), registered by one line in ./registry.ts; the
// workflow, fetch, map, the API and the logger then work for it without change.
import type { z } from 'zod';
import type { SourceConfig } from '../../contracts/connector-config';
import type { MapSource, SourceEvent } from '../../contracts/activities';
import type { ExportError } from '../errors';

/** How long a read may take, and what to do before each request (the fetch activity's bounds). */
export interface SourceReadOptions {
  /** Longest single request; the connector's own default (about 30 s) when absent. */
  requestTimeoutMs?: number;
  /**
   * Epoch ms after which no request may run or wait (asked before every request): the connector cuts
   * requests short at it and gives up a retry that would wait past it, throwing a retryable
   * ExportError. The fetch then returns what it has (see activities/fetch.ts).
   */
  deadline: () => number;
  /** Call before every request, retries included: the fetch heartbeats there. */
  beforeRequest: () => void;
  /** The most bytes of one response; stop reading past it (activities/sources/source-fetch.ts does). */
  maxResponseBytes?: number;
  /** The activity's cancellation (a pause or delete): abort the request in flight. */
  signal?: AbortSignal;
  /**
   * Exclusive upper bound of record time (RFC 3339), a one-time export's `to`: a connector whose API
   * can filter by time asks it for nothing later. The fetch drops later records anyway and ends the
   * pass at the first one, so a connector that cannot filter still yields the right batch.
   */
  until?: string;
}

/** One page of records, in ascending time. */
export interface SourcePage<Node> {
  records: Node[];
  /** False on the last page of the pass: the log has nothing more right now. */
  hasNextPage: boolean;
}

/**
 * A source connector. `Config` is the output of `configSchema` (secrets included: it is the workflow
 * input, which the payload codec encrypts); `View` is what the API shows of it; `Node` one record.
 *
 * The position model is shared (contracts/batch.ts): a watermark of whole seconds plus the dedupe
 * keys of the records after it. A source therefore must be able to read "every record with time
 * strictly after second W, in ascending time", give each record's time, and hash a record's content
 * (two identical records in one second get `.1`, `.2`, … appended, in read order, by the fetch).
 */
export interface SourceConnector<Config extends SourceConfig = SourceConfig, View = unknown, Node = unknown> {
  /** The `source.type` that picks this connector, e.g. `mondoo`. Never changes once released. */
  readonly type: Config['type'];

  /**
   * The one schema of the config: the API validates requests with it (use `z.strictObject`, with
   * `type: z.literal(<type>)`, a message a person can act on per rule, `.meta({ description })` per
   * field for the OpenAPI document, and `.meta({ writeOnly: true })` on every secret: that drives
   * log redaction and keeps it out of responses), and the worker types its input with `z.output`.
   */
  readonly configSchema: z.ZodObject;
  /** The secret-free view the API returns and keeps in the workflow memo (a `z.strictObject`). */
  readonly viewSchema: z.ZodObject;
  view(config: Config): View;

  /**
   * From the public view, so the API can compare it with existing integrations: `scopeSlug` goes
   * into object names (`<prefix><scopeSlug>-audit-logs-<from>-<to>.jsonl`: lowercase letters, digits
   * and dashes only, and two integrations writing to one place must differ in it); `scopeId` is the
   * scope as a person knows it (summaries, the OCSF tenant). Computed once, at creation, and stored
   * in the workflow input: the workflow never parses a source id.
   */
  scope(view: View): { scopeSlug: string; scopeId: string };

  /**
   * Every record with time strictly after `after` (RFC 3339, a whole second; null: from the
   * beginning), ascending by time, page by page. Retries transient errors itself within
   * `options.deadline`; throws an ExportError (see `classifyError`) when it gives up. A bounded
   * pass: the caller stops iterating when its batch is full.
   */
  pagesAfter(config: Config, after: string | null, options: SourceReadOptions): AsyncIterable<SourcePage<Node>>;
  /**
   * How late a record may become visible after its time (plus clock skew), when it differs from the
   * default of ExportLimits (6 minutes): set once at creation into the integration's limits, unless the
   * integration sets its own `lateArrivalSeconds`.
   */
  readonly lateArrivalSeconds?: number;
  /**
   * True when every request counts against a quota that bounds the export (Cloud Logging: 60 a minute per
   * project): the fetch then ends a batch at a page boundary rather than ask for a page it could take
   * only part of, since the next pass would ask for that page again and the quota pays twice.
   */
  readonly rationedRequests?: boolean;
  /** The record's time, RFC 3339 (the position model works in whole seconds of it). */
  eventTime(node: Node): string;
  /** A stable hash of the record's content (all its fields): the dedupe key before the copy suffix. */
  contentHash(node: Node): string;

  /** One record as an OCSF 1.5.0 event. Deterministic: the same record yields the same JSON, key order included. */
  toOcsf(event: SourceEvent<Node>, source: MapSource): Record<string, unknown>;
  /**
   * Optional fast path the map activity takes when present: the same event as one line of JSON, byte for
   * byte JSON.stringify(toOcsf(event, source)), with its `time`. Worth it where the OCSF line is several
   * times the record's bytes (Mondoo): building objects only to stringify them costs more than the line.
   */
  toOcsfLine?(event: SourceEvent<Node>, source: MapSource): { line: string; time: number };

  /**
   * Any error the source raised as an ExportError: `retryable` for what a later attempt may fix (rate
   * limits, 5xx, timeouts), otherwise a kind and a message that tells a person what to change. Never
   * quotes a secret.
   */
  classifyError(error: unknown, config: Config): ExportError;

  /**
   * One real read of at most one record (the connection test): proves endpoint, credentials and scope
   * work; throws the ExportError an export would otherwise.
   */
  probe(config: Config, options?: Partial<SourceReadOptions>): Promise<void>;

  /** Days of history the source still serves: a `backfillFrom` further back is refused at creation. Absent: no known limit. */
  readonly retentionDays?: number;

  /**
   * The `filters` an integration (or a one-time export) of this source may give; absent: it takes none
   * (a source whose config carries its own query says so in its docs).
   */
  readonly filters?: SourceFilter<Node>;
}

/**
 * A source's filters: the one schema of `filters` (a `z.strictObject` of optional lists, an absent list
 * matching every record) and the test a record must pass to be exported. The fetch applies it before
 * mapping; a record that fails it moves the watermark like an exported one.
 */
export interface SourceFilter<Node = unknown, Filters = Record<string, unknown>> {
  readonly schema: z.ZodObject;
  matches(node: Node, filters: Filters): boolean;
}

/** A registered connector, whatever its types (the registry maps `type` to one of these). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each connector checks its own config with its schema
export type AnySourceConnector = SourceConnector<any, any, any>;
