// Maps one Mondoo audit-log node to one OCSF 1.5.0 event. Pure and deterministic (no I/O, no clock):
// the same node always yields the same JSON, key order included, so re-exports are byte-identical.
// Every source value lands somewhere: in its OCSF home, and whatever has none in `unmapped.mondoo`
// (laid out like Mondoo's own OCSF export: identity_mrn, resource_mrn, scope_mrn, ...).
import { isIP } from 'node:net';
import { MONDOO_USER_MRN_PREFIX, type MondooAuditNode, type SourceEvent } from './types';
import { mondooActionMapping, type MondooActionMapping } from './action-classes';
import {
  ACCOUNT_CHANGE,
  ACTIVITY_OTHER,
  API_ACTIVITY,
  ENTITY_MANAGEMENT,
  MANAGED_ENTITY_ORGANIZATION,
  MANAGED_ENTITY_OTHER,
  OBSERVABLE_IP_ADDRESS,
  OBSERVABLE_USER_NAME,
  OCSF_CLASSES,
  OCSF_VERSION,
  SEVERITY_INFORMATIONAL,
  USER_TYPE_OTHER,
  USER_TYPE_USER,
} from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';

export { ocsfClassForAction } from './action-classes';
/** Thrown for a node whose timestamp is not RFC 3339: OCSF requires `time`, and guessing would falsify it. */
export interface OcsfMappingContext {
  /** The export's scope (platform, organization or space MRN): the OCSF tenant. */
  scopeMrn: string;
}

type OcsfObject = Record<string, unknown>;

export const MONDOO_PRODUCT = { name: 'Mondoo Platform', vendor_name: 'Mondoo' } as const;
/** The GraphQL field the events are read from: OCSF's metadata.log_name ("the event log name"). */
export const MONDOO_LOG_NAME = 'auditlog';
/** ip_t's max_len in the OCSF dictionary; longer strings (e.g. huge IPv6 zone ids) are not valid ip_t. */
const IP_MAX_LENGTH = 40;
/**
 * Used where OCSF requires an object with a name or uid but the source has neither (e.g. API
 * Activity's required src_endpoint when Mondoo recorded no ip). The raw null is visible by absence
 * from `unmapped.mondoo`.
 */
export const UNKNOWN = 'Unknown';

/** Omits undefined entries (OCSF has no nulls: absent means unknown) and keeps the insertion order. */
function defined(entries: OcsfObject): OcsfObject {
  const out: OcsfObject = {};
  // for-in rather than Object.entries: no array per key (mapping benchmark: ~40% more records/s).
  for (const key in entries) {
    const value = entries[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

/** "//agents.api.mondoo.app/organizations/o/serviceaccounts/sa-1" -> "sa-1"; undefined if nothing is left. */
export function lastMrnSegment(mrn: string): string | undefined {
  // The last non-empty segment, without splitting the whole MRN into an array.
  let end = mrn.length;
  while (end > 0 && mrn.charCodeAt(end - 1) === SLASH) end--;
  return end === 0 ? undefined : mrn.slice(mrn.lastIndexOf('/', end - 1) + 1, end);
}

const SLASH = 47;

const isIpAddress = (value: string) => value.length <= IP_MAX_LENGTH && isIP(value) !== 0;

export interface SourceAddress {
  endpoint?: OcsfObject;
  /** True when the raw ip string is not kept verbatim in src_endpoint and must go to unmapped. */
  keepRaw: boolean;
}

/**
 * A plain address goes to src_endpoint.ip. An X-Forwarded-For style list ("client, proxy, ...")
 * becomes ip + intermediate_ips, as OCSF describes intermediate_ips. Anything else is never put into
 * an ip_t field; it is kept raw in unmapped.
 */
export function sourceAddress(ip: string | null): SourceAddress {
  if (ip === null) return { keepRaw: false };
  if (isIpAddress(ip)) return { endpoint: { ip }, keepRaw: false };
  const parts = ip.split(',').map((part) => part.trim());
  const [first, ...rest] = parts;
  if (first !== undefined && rest.length > 0 && parts.every(isIpAddress)) {
    return { endpoint: { ip: first, intermediate_ips: rest }, keepRaw: true };
  }
  return { keepRaw: true };
}

/** What kind of account an MRN names: Mondoo's people live under /users/, machines under /serviceaccounts/. */
function userType(mrn: string | null | undefined): OcsfObject {
  if (mrn?.startsWith(MONDOO_USER_MRN_PREFIX)) return { type: USER_TYPE_USER.caption, type_id: USER_TYPE_USER.id };
  if (mrn?.includes('/serviceaccounts/')) return { type: 'Service Account', type_id: USER_TYPE_OTHER };
  return {};
}

/** The acting identity. Mondoo records system actions without one: then the platform itself acted. */
function actor(identity: MondooAuditNode['identity']): OcsfObject {
  const user = defined({ name: orUndefined(identity?.name), uid: orUndefined(identity?.mrn) });
  return Object.keys(user).length > 0 ? { user: { ...user, ...userType(identity?.mrn) } } : { app_name: MONDOO_PRODUCT.name };
}

/** Account Change: the user whose membership changed (the audit record's resource). */
function targetUser(resource: string | null): OcsfObject {
  return { user: resource === null ? { name: UNKNOWN } : { uid: resource, ...userType(resource) } };
}

/** Entity Management: the managed entity; organizations use OCSF's own Organization entity type. */
function targetEntity(resource: string | null, entityType: string | undefined): OcsfObject {
  const name = resource === null ? UNKNOWN : lastMrnSegment(resource);
  const uid = orUndefined(resource);
  const isOrganization = entityType === MANAGED_ENTITY_ORGANIZATION.caption;
  const org = isOrganization && resource !== null ? defined({ name, uid }) : undefined;
  return {
    entity: defined({
      name,
      uid,
      type: entityType,
      type_id: isOrganization ? MANAGED_ENTITY_ORGANIZATION.id : MANAGED_ENTITY_OTHER,
      org,
    }),
  };
}

/** API Activity: the affected resource, if Mondoo named one (resources is only recommended). */
function targetResources(resource: string | null): OcsfObject {
  return resource === null ? {} : { resources: [defined({ name: lastMrnSegment(resource), uid: resource })] };
}

function target(mapping: MondooActionMapping, resource: string | null): OcsfObject {
  switch (mapping.classUid) {
    case ACCOUNT_CHANGE:
      return targetUser(resource);
    case ENTITY_MANAGEMENT:
      return targetEntity(resource, mapping.entityType);
    case API_ACTIVITY:
      return targetResources(resource);
  }
}

/** "mondoo.policy.PolicyHub.SetBundle" -> operation "SetBundle", service "mondoo.policy.PolicyHub". */
export function apiDetails(action: string): OcsfObject {
  const dot = action.lastIndexOf('.');
  if (dot < 0) return { operation: action };
  return { operation: action.slice(dot + 1), service: { name: action.slice(0, dot) } };
}

/**
 * OCSF lets activity_name carry the source's own label when activity_id is 99 Other: "Login" says what
 * happened where "Other" says nothing. An action with no operation name keeps the caption.
 */
export function activityName(captions: Readonly<Record<number, string>>, activityId: number, action: string): string {
  const caption = captions[activityId] as string;
  if (activityId !== ACTIVITY_OTHER) return caption;
  return action.slice(action.lastIndexOf('.') + 1) || caption;
}

/**
 * The pivots OCSF defines for what Mondoo records: the acting user's name (User Name) and every source
 * address (IP Address). `name` points at the attribute in this event, as OCSF asks.
 */
function observables(actorObject: OcsfObject, endpoint: OcsfObject | undefined): OcsfObject[] | undefined {
  const list: OcsfObject[] = [];
  const userName = (actorObject.user as OcsfObject | undefined)?.name;
  if (typeof userName === 'string')
    list.push({ name: 'actor.user.name', type: OBSERVABLE_USER_NAME.caption, type_id: OBSERVABLE_USER_NAME.id, value: userName });
  if (typeof endpoint?.ip === 'string')
    list.push({ name: 'src_endpoint.ip', type: OBSERVABLE_IP_ADDRESS.caption, type_id: OBSERVABLE_IP_ADDRESS.id, value: endpoint.ip });
  for (const ip of (endpoint?.intermediate_ips as string[] | undefined) ?? []) {
    list.push({ name: 'src_endpoint.intermediate_ips', type: OBSERVABLE_IP_ADDRESS.caption, type_id: OBSERVABLE_IP_ADDRESS.id, value: ip });
  }
  return list.length > 0 ? list : undefined;
}

export function mapMondooEventToOcsf(event: SourceEvent, ctx: OcsfMappingContext): Record<string, unknown> {
  const { node } = event;
  const mapping = mondooActionMapping(node.action);
  const ocsfClass = OCSF_CLASSES[mapping.classUid];
  const name = activityName(ocsfClass.activities, mapping.activityId, node.action);
  const address = sourceAddress(node.ip);
  const isApiActivity = mapping.classUid === API_ACTIVITY;
  const actorObject = actor(node.identity);

  return defined({
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryCaption,
    class_uid: mapping.classUid,
    class_name: ocsfClass.caption,
    activity_id: mapping.activityId,
    activity_name: name,
    type_uid: mapping.classUid * 100 + mapping.activityId,
    // type_name is type_uid's caption, which for 99 stays "<class>: Other".
    type_name: `${ocsfClass.caption}: ${ocsfClass.activities[mapping.activityId]}`,
    severity_id: SEVERITY_INFORMATIONAL.id,
    severity: SEVERITY_INFORMATIONAL.caption,
    time: parseRfc3339ToEpochMs(node.timestamp),
    message: orUndefined(node.msg),
    metadata: defined({
      version: OCSF_VERSION,
      product: MONDOO_PRODUCT,
      uid: event.key,
      event_code: node.action,
      log_name: MONDOO_LOG_NAME,
      log_provider: MONDOO_PRODUCT.name,
      // The source's own time text (second precision, original offset); `time` is its epoch-ms form.
      original_time: node.timestamp,
      tenant_uid: ctx.scopeMrn,
    }),
    actor: actorObject,
    // API Activity requires src_endpoint; the IAM classes only recommend it.
    src_endpoint: address.endpoint ?? (isApiActivity ? { name: UNKNOWN } : undefined),
    ...target(mapping, node.resource),
    // Only API Activity has `api` natively; in the IAM classes it needs the cloud profile (and with it a
    // required `cloud` object we could not fill honestly), so there the action lives in metadata.event_code.
    api: isApiActivity ? apiDetails(node.action) : undefined,
    observables: observables(actorObject, address.endpoint),
    unmapped: {
      mondoo: defined({
        identity_mrn: orUndefined(node.identity?.mrn),
        resource_mrn: orUndefined(node.resource),
        scope_mrn: ctx.scopeMrn,
        parent: orUndefined(node.parent),
        ip: address.keepRaw ? orUndefined(node.ip) : undefined,
      }),
    },
  });
}
