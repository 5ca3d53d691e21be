// Endor Labs' audit logs as a source: its REST API (client.ts, with the token cache and the error
// classification), config schema and view (schema.ts), records (types.ts) and OCSF mapping (to-ocsf.ts;
// ocsf-line.ts writes its line directly).
import { openedSecret } from '../../../lib/sealing';
import { ExportError } from '../../errors';
import type { SourceConnector, SourceFilter } from '../source';
import { EndorLabsClient } from './client';
import { classifyEndorNetworkError } from './errors';
import {
  endorLabsScopeSlug,
  endorLabsSourceSchema,
  endorLabsSourceView,
  endorLabsSourceViewSchema,
  type EndorLabsSourceConfig,
  type EndorLabsSourceView,
} from './schema';
import { endorLabsOcsfLine } from './ocsf-line';
import { mapEndorLabsEventToOcsf } from './to-ocsf';
import { endorLabsFilter } from './filters';
import { ENDOR_LABS_LATE_ARRIVAL_SECONDS, ENDOR_LABS_RETENTION_DAYS, type EndorAuditLog } from './types';

const isoSecond = (second: number): string => new Date(second * 1000).toISOString().replace('.000Z', 'Z');

/** The API seals the write-only key and secret before they reach Temporal: opened here, where they are used. */
const clientFor = (config: EndorLabsSourceConfig, options: Partial<ConstructorParameters<typeof EndorLabsClient>[0]> = {}) =>
  new EndorLabsClient({
    endpoint: config.endpoint,
    namespace: config.namespace,
    apiKey: openedSecret(config.apiKey, 'source.apiKey'),
    apiSecret: openedSecret(config.apiSecret, 'source.apiSecret'),
    ...options,
  });

export const endorLabsSource: SourceConnector<EndorLabsSourceConfig, EndorLabsSourceView, EndorAuditLog> = {
  type: 'endorlabs',
  lateArrivalSeconds: ENDOR_LABS_LATE_ARRIVAL_SECONDS,
  retentionDays: ENDOR_LABS_RETENTION_DAYS,
  configSchema: endorLabsSourceSchema,
  viewSchema: endorLabsSourceViewSchema,
  view: endorLabsSourceView,
  filters: endorLabsFilter as SourceFilter<EndorAuditLog>,
  scope: (view) => ({ scopeSlug: endorLabsScopeSlug(view.namespace), scopeId: view.namespace }),

  async *pagesAfter(config, after, options) {
    // After whole second W means from W + 1 s; the pass ends at its own start (rounded up): what is
    // written later belongs to the next pass, which keeps each pass a bounded create_time window.
    const from = after === null ? null : isoSecond(Math.floor(Date.parse(after) / 1000) + 1);
    // A one-time export's `to` bounds the filter too (rounded up to the second the filter takes; the
    // fetch drops what lies between).
    const untilSecond = Math.ceil(Date.now() / 1000) + 1;
    const until = isoSecond(options.until === undefined ? untilSecond : Math.min(untilSecond, Math.ceil(Date.parse(options.until) / 1000)));
    for await (const page of clientFor(config, options).ascendingPages({ from, until })) yield { records: page.records, hasNextPage: page.more };
  },
  eventTime: (node) => node.meta.create_time,
  // Endor Labs gives every audit log a uuid: that is the dedupe key (a pass never returns one twice).
  contentHash: (node) => node.uuid,
  toOcsf: (event) => mapEndorLabsEventToOcsf(event),
  toOcsfLine: (event) => endorLabsOcsfLine(event),
  classifyError: (error, config) => (error instanceof ExportError ? error : classifyEndorNetworkError(error, config.endpoint)),

  async probe(config, options = {}) {
    // One record from the beginning proves the endpoint, the key and its access to the namespace.
    const pages = clientFor(config, { attemptsPerPage: 1, pageSize: 1, ...options }).ascendingPages({
      from: null,
      until: isoSecond(Math.ceil(Date.now() / 1000) + 1),
    });
    await pages.next();
  },
};
