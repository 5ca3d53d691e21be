// Which Mondoo audit events an export keeps. Mondoo's `actionFilter` takes one action, so several
// actions would need several passes over the log, each with its own position; auditflow filters
// locally instead, in the fetch, before mapping: one pass, one watermark, and filtered-out events are
// passed over like exported ones (activities/fetch.ts).
import { z } from 'zod';
import { allows, filterListSchema } from '../filter-lists';
import type { SourceFilter } from '../source';
import type { MondooAuditNode } from './types';

export const mondooFiltersSchema = z
  .strictObject({
    actions: filterListSchema('actions', "Mondoo actions to export (the event's `action`, exact).", 'mondoo.captain.Captain.SetOrganizationMembership'),
    identities: filterListSchema(
      'identities',
      "MRNs of the identities whose events to export (the event's `identity.mrn`, exact).",
      '//captain.api.mondoo.app/users/abc123',
    ),
  })
  .meta({ title: 'MondooFilters', description: 'An event is exported when its action is in `actions` AND its identity in `identities`.' });
export type MondooFilters = z.output<typeof mondooFiltersSchema>;

export const mondooFilter: SourceFilter<MondooAuditNode, MondooFilters> = {
  schema: mondooFiltersSchema,
  matches: (node, filters) => allows(filters.actions, node.action) && allows(filters.identities, node.identity?.mrn),
};
