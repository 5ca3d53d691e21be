// Google Cloud Audit Logs as a source: Cloud Logging's entries.list (client.ts), the config schema and
// view (schema.ts), credentials shared with the GCS destination (credentials.ts) and the OCSF mapping
// (to-ocsf.ts; ocsf-line.ts writes its line directly).
import { createHash } from 'node:crypto';
import { ExportError } from '../../errors';
import type { SourceConnector, SourceReadOptions } from '../source';
import { CloudLoggingClient } from './client';
import { loggingAccessToken } from './credentials';
import { classifyLoggingNetworkError } from './errors';
import { requestsPerMinuteFrom } from './pacer';
import { secondAfter, timestampKey } from './query';
import {
  gcpAuditLogsScope,
  gcpAuditLogsSourceSchema,
  gcpAuditLogsSourceView,
  gcpAuditLogsSourceViewSchema,
  type GcpAuditLogsSourceConfig,
  type GcpAuditLogsSourceView,
} from './schema';
import { gcpAuditLogOcsfLine } from './ocsf-line';
import { mapGcpAuditLogEntryToOcsf } from './to-ocsf';
import { CLOUD_LOGGING_LATE_ARRIVAL_SECONDS, type GcpLogEntry } from './types';

/** A pass reads up to a little past now: entries stamped slightly in the future (clock skew) come next time. */
const UNTIL_AHEAD_MS = 5 * 60_000;

const isoSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function clientFor(
  config: GcpAuditLogsSourceConfig,
  options: Partial<SourceReadOptions>,
  extra: { attemptsPerPage?: number; rateLimitedAttempts?: number; pageSize?: number } = {},
) {
  return new CloudLoggingClient({
    endpoint: config.endpoint,
    resourceNames: config.resourceNames,
    logTypes: config.logTypes,
    filter: config.filter,
    accessToken: loggingAccessToken(config),
    requestsPerMinute: requestsPerMinuteFrom(),
    requestTimeoutMs: options.requestTimeoutMs,
    deadline: options.deadline,
    beforeRequest: options.beforeRequest,
    maxResponseBytes: options.maxResponseBytes,
    signal: options.signal,
    ...extra,
  });
}

export const gcpAuditLogsSource: SourceConnector<GcpAuditLogsSourceConfig, GcpAuditLogsSourceView, GcpLogEntry> = {
  type: 'gcp-audit-logs',
  configSchema: gcpAuditLogsSourceSchema,
  viewSchema: gcpAuditLogsSourceViewSchema,
  view: gcpAuditLogsSourceView,
  scope: (view) => gcpAuditLogsScope(view.resourceNames),
  lateArrivalSeconds: CLOUD_LOGGING_LATE_ARRIVAL_SECONDS,
  // 60 requests a minute per project: a page of 1,000 entries (about 1.4 MB) is most of a batch's
  // maxFetchBytes, and reading one only to take a few of its entries halved the entries per request.
  rationedRequests: true,

  async *pagesAfter(config, after, options) {
    // The watermark covers its whole second (contracts/batch.ts): a pass starts at the next one.
    // A one-time export's `to` ends the window at the API (timestampKey compares to the nanosecond).
    const ahead = isoSecond(Date.now() + UNTIL_AHEAD_MS);
    const until = options.until !== undefined && timestampKey(options.until)! < timestampKey(ahead)! ? options.until : ahead;
    const range = { from: after === null ? null : secondAfter(after), until };
    for await (const page of clientFor(config, options).ascendingPages(range)) yield { records: page.entries, hasNextPage: page.more };
  },
  eventTime: (entry) => entry.timestamp,
  // An entry is identified by (logName, timestamp, insertId): a copy Cloud Logging returns twice is
  // the same entry (the client drops it within a pass, recentKeys across passes).
  contentHash: (entry) =>
    createHash('sha256')
      .update(`${entry.logName}\n${timestampKey(entry.timestamp) ?? entry.timestamp}\n${entry.insertId}`)
      .digest('base64url'),
  toOcsf: (event) => mapGcpAuditLogEntryToOcsf(event.node),
  toOcsfLine: (event) => gcpAuditLogOcsfLine(event.node),
  classifyError: (error, config) => (error instanceof ExportError ? error : classifyLoggingNetworkError(error, config.endpoint)),

  async probe(config, options = {}) {
    // One small page of the last hour proves the endpoint, the credentials and the roles on every resource.
    const now = Date.now();
    const client = clientFor(config, options, { attemptsPerPage: 1, rateLimitedAttempts: 1, pageSize: 1 });
    await client.ascendingPages({ from: isoSecond(now - 3_600_000), until: isoSecond(now + UNTIL_AHEAD_MS) }).next();
  },
};
