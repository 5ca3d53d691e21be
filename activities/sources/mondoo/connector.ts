// Mondoo's audit log as a source: its GraphQL API (client.ts), config schema and view (schema.ts),
// records and dedupe hash (types.ts, dedupe-key.ts) and OCSF mapping (to-ocsf.ts, action-classes.ts).
import { mondooScopeSlug } from '../../../contracts/legacy-inputs';
import { openedSecret } from '../../../lib/sealing';
import { mondooOcsfLine } from './ocsf-line';
import { mapMondooEventToOcsf } from './to-ocsf';
import type { SourceConnector, SourceFilter } from '../source';
import { classifyMondooError, MondooAuditLogClient } from './client';
import { nodeHash } from './dedupe-key';
import { mondooSourceSchema, mondooSourceView, mondooSourceViewSchema, type MondooSourceConfig, type MondooSourceView } from './schema';
import type { MondooAuditNode } from './types';
import { mondooFilter } from './filters';

export const mondooSource: SourceConnector<MondooSourceConfig, MondooSourceView, MondooAuditNode> = {
  type: 'mondoo',
  configSchema: mondooSourceSchema,
  viewSchema: mondooSourceViewSchema,
  view: mondooSourceView,
  filters: mondooFilter as SourceFilter<MondooAuditNode>,
  // The same rule running exports were named by (see mondooScopeSlug).
  scope: (view) => ({ scopeSlug: mondooScopeSlug(view.scopeMrn), scopeId: view.scopeMrn }),

  // Mondoo's timestampFilter takes one bound (GT after the watermark), so a one-time export's `to`
  // (options.until) is applied by the fetch: it drops later records and ends the pass at the first one.
  async *pagesAfter(config, after, options) {
    const client = new MondooAuditLogClient({ endpoint: config.endpoint, token: openedSecret(config.token, 'source.token'), ...options });
    for await (const page of client.ascendingPages(config.scopeMrn, after)) yield { records: page.nodes, hasNextPage: page.hasNextPage };
  },
  eventTime: (node) => node.timestamp,
  contentHash: nodeHash,
  toOcsf: (event, source) => mapMondooEventToOcsf(event, { scopeMrn: source.scopeId }),
  toOcsfLine: (event, source) => mondooOcsfLine(event, { scopeMrn: source.scopeId }),
  classifyError: (error, config) => classifyMondooError(error, config.endpoint),

  async probe(config, options = {}) {
    const client = new MondooAuditLogClient({
      endpoint: config.endpoint,
      token: openedSecret(config.token, 'source.token'),
      attemptsPerPage: 1,
      ...options,
      pageSize: 1,
    });
    // One record from the beginning proves the endpoint, the token and its access to the scope.
    await client.ascendingPages(config.scopeMrn, null).next();
  },
};
