// The activity contracts: inputs and results that cross Temporal's history, bounded in size. Shared by
// the workflow (which builds inputs and reads results) and the activities; imports neither.
// A change of shape keeps reading the older one: it stays in recorded histories.
import type { BatchSummary } from './batch';
import type { DestinationConfig, SourceConfig } from './connector-config';
import type { ManifestRef, UploadEvidence } from './evidence';

/** A record as the exporter carries it from fetch to map: the source's own record plus its dedupe key. */
export interface SourceEvent<Node = unknown> {
  /** Stable across runs: the source's hash of the record plus its occurrence index among identical ones. */
  key: string;
  node: Node;
}

export interface FetchInput {
  source: SourceConfig;
  /** Exclusive lower bound: every event at or before it is exported already. Null: from the start. */
  watermark: string | null;
  /** Dedupe keys of exported events after the watermark: skipped when seen again. */
  recentKeys: Record<string, string[]>;
  maxEvents: number;
  maxBytes: number;
  lateArrivalSeconds: number;
  /** `compressed`: a FetchResult. Absent (older executions): a FetchResultWithEvents. */
  resultFormat?: 'compressed';
  /** Only records that match are exported (the source's filters, activities/sources/<type>/filters.ts); absent: all. */
  filters?: Record<string, string[]>;
  /**
   * A one-time export's range (RFC 3339, `from` inclusive, `to` exclusive): nothing outside it is
   * returned, and a pass ends at the first record at or after `to`. Absent for integrations.
   */
  range?: { from: string; to: string };
  /**
   * Present from the version that maps in the fetch (workflows/patches.ts, MAP_IN_FETCH_PATCH): the fetch
   * maps the batch to OCSF files itself and returns them (a FetchResultMapped) instead of the records, so
   * each batch is parsed once and crosses history once before its upload. Absent: a FetchResult.
   */
  mapTo?: MapTo;
}

/** How the fetch that maps cuts its batch into files, and the OCSF tenant. */
export interface MapTo {
  /** ConnectorFacts.scopeId: the OCSF tenant. */
  scopeId: string;
  maxEventsPerFile: number;
  maxBytesPerFile: number;
}

/** Fetched events, serialized as JSON, zstd-compressed and base64-encoded (activities/compression.ts). */
export interface CompressedEvents {
  eventsZstdBase64: string;
}

interface FetchOutcome {
  /** Events at or before this instant were all visible when the pass began (now - late window). */
  settledThrough: string;
  /** True when the pass reached the end of the log: nothing else is visible after the watermark. */
  exhausted: boolean;
  /** Source records read, including ones skipped as already exported. */
  scanned: number;
  pages: number;
}

/**
 * New events in source order (ascending time), at most maxEvents and about maxBytes: compressed, with
 * what the workflow needs to move its progress (BatchSummary), so it never parses the events itself.
 */
export type FetchResult = FetchOutcome & CompressedEvents & BatchSummary;

/** A fetch with `mapTo`: the batch's OCSF files, ready to upload, with the same summary. */
export type FetchResultMapped = FetchOutcome & MapResult & BatchSummary;

/**
 * What fetches returned before `resultFormat` (still in the history of older executions). All of
 * them were Mondoo's, whose records carry their `timestamp`.
 */
export type FetchResultWithEvents = FetchOutcome & { events: Array<SourceEvent<{ timestamp: string }>> };

/** What the mapper knows of the source: its type (which picks the connector) and its scope. */
export interface MapSource {
  type: string;
  /** ConnectorFacts.scopeId: the OCSF tenant. */
  scopeId: string;
}

export type MapInput = ({ events: SourceEvent[] } | CompressedEvents) & {
  /** Absent before connectors: then `scopeMrn` names a Mondoo scope (contracts/legacy-inputs.ts). */
  source?: MapSource;
  scopeMrn?: string;
  maxEventsPerFile: number;
  maxBytesPerFile: number;
  /** zstd-base64 from the version that maps in a local activity; absent (gzip-base64) before it. */
  output?: 'zstd-base64';
};

/** One object's content: OCSF JSON Lines, compressed and base64-encoded (activities/compression.ts). */
export type FileContent = { jsonlZstdBase64: string; jsonlGzipBase64?: undefined } | { jsonlGzipBase64: string; jsonlZstdBase64?: undefined };

export type MappedFile = FileContent & {
  events: number;
  bytes: number;
  /**
   * RFC 3339 UTC time of the file's earliest event (OCSF `time`): fills a prefix's %Y %m %d %H. Absent in
   * results recorded before it, and for a file none of whose events carries a time.
   */
  firstEventAt?: string;
};

export interface MapResult {
  files: MappedFile[];
}

export interface UploadInput {
  destination: DestinationConfig;
  objects: Array<FileContent & { name: string; events: number }>;
  /** Present from the evidence chain on: object metadata and the batch's manifest are written too. */
  evidence?: UploadEvidence;
}

export interface UploadResult {
  objects: Array<{ name: string; bytes: number; alreadyExisted: boolean }>;
  /** The batch's manifest, durable: the next manifest chains to it. Present when the input had `evidence`. */
  manifest?: ManifestRef;
}
