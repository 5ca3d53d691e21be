import { z } from 'zod';
import type { SourceEvent as GenericSourceEvent } from '../../../contracts/activities';

/**
 * One audit-log node as Mondoo's GraphQL API returns it (`auditlog.edges[].node`).
 * Only `action` and `timestamp` are always present; the rest may be null (system actions have no
 * identity, API-token calls may have no ip, and so on).
 */
export const mondooAuditNodeSchema = z.object({
  identity: z.object({ name: z.string().nullable(), mrn: z.string().nullable() }).nullable(),
  resource: z.string().nullable(),
  action: z.string(),
  /** RFC 3339 with one-second precision, e.g. 2024-03-22T17:46:03Z. */
  timestamp: z.string(),
  msg: z.string().nullable(),
  ip: z.string().nullable(),
  parent: z.string().nullable(),
});
export type MondooAuditNode = z.infer<typeof mondooAuditNodeSchema>;

/** A node as the exporter carries it from fetch to map: plus its dedupe key. */
export type SourceEvent = GenericSourceEvent<MondooAuditNode>;

export const MONDOO_PLATFORM_MRN = '//platform.api.mondoo.app';
export const MONDOO_ORG_MRN_PREFIX = '//captain.api.mondoo.app/organizations/';
export const MONDOO_SPACE_MRN_PREFIX = '//captain.api.mondoo.app/spaces/';
/** People: `//captain.api.mondoo.app/users/<id>` (service accounts live under the agents service). */
export const MONDOO_USER_MRN_PREFIX = '//captain.api.mondoo.app/users/';
