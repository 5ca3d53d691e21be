// Which Endor Labs audit logs an export keeps. Applied locally in the fetch, before mapping, like
// Mondoo's: the pass keeps one create_time window and one watermark, and filtered-out records are
// passed over like exported ones (activities/fetch.ts).
import { z } from 'zod';
import { allows, filterListSchema } from '../filter-lists';
import type { SourceFilter } from '../source';
import type { EndorAuditLog } from './types';

export const endorLabsFiltersSchema = z
  .strictObject({
    operations: filterListSchema('operations', "Operations to export (the record's `spec.operation`, exact).", 'OPERATION_DELETE'),
    messageKinds: filterListSchema('messageKinds', "Kinds of object to export (the record's `spec.message_kind`, exact).", 'Policy'),
  })
  .meta({ title: 'EndorLabsFilters', description: 'A record is exported when its operation is in `operations` AND its message kind in `messageKinds`.' });
export type EndorLabsFilters = z.output<typeof endorLabsFiltersSchema>;

export const endorLabsFilter: SourceFilter<EndorAuditLog, EndorLabsFilters> = {
  schema: endorLabsFiltersSchema,
  matches: (node, filters) => allows(filters.operations, node.spec.operation) && allows(filters.messageKinds, node.spec.message_kind),
};
