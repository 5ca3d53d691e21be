// The OCSF line of one Mondoo audit-log node, written as JSON text directly: byte for byte
// JSON.stringify(mapMondooEventToOcsf(...)), which stays the readable definition of the mapping
// (test/unit/mondoo-ocsf-line.test.ts holds the two equal on random and generated nodes). Why a second
// form: an OCSF line is about 3.4 times the bytes of the node, and building it as objects and then
// stringifying cost 3 to 4 times JSON.parse + JSON.stringify of the node (bench/RESULTS.md, mapping);
// here everything fixed per action (class, activity, captions, api) is JSON text made once, and each
// event adds only its own values, each escaped by JSON.stringify.
import { OBSERVABLE_IP_ADDRESS, OBSERVABLE_USER_NAME, OCSF_VERSION } from '../../ocsf/ocsf-classes';
import { ACCOUNT_CHANGE, API_ACTIVITY, ENTITY_MANAGEMENT, MANAGED_ENTITY_ORGANIZATION, MANAGED_ENTITY_OTHER, OCSF_CLASSES } from '../../ocsf/ocsf-classes';
import { SEVERITY_INFORMATIONAL, USER_TYPE_OTHER, USER_TYPE_USER } from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';
import { mondooActionMapping, type MondooActionMapping } from './action-classes';
import { activityName, apiDetails, lastMrnSegment, MONDOO_LOG_NAME, MONDOO_PRODUCT, sourceAddress, UNKNOWN, type OcsfMappingContext } from './to-ocsf';
import { MONDOO_USER_MRN_PREFIX, type SourceEvent } from './types';

/** A JSON string literal (the escaping JSON.stringify applies inside an object too). */
const str = JSON.stringify as (value: string) => string;

/** What an action fixes: its mapping, the line's opening up to `"time":`, and the `api` object's JSON. */
interface ActionParts {
  mapping: MondooActionMapping;
  head: string;
  api: string;
}

const partsByAction = new Map<string, ActionParts>();
/** Actions are a short list in practice; a source sending endless new ones must not grow memory without bound. */
const MAX_CACHED_ACTIONS = 1_000;

function actionParts(action: string): ActionParts {
  const cached = partsByAction.get(action);
  if (cached) return cached;
  const mapping = mondooActionMapping(action);
  const ocsfClass = OCSF_CLASSES[mapping.classUid];
  const head =
    `{"category_uid":${ocsfClass.categoryUid},"category_name":${str(ocsfClass.categoryCaption)},"class_uid":${mapping.classUid},` +
    `"class_name":${str(ocsfClass.caption)},"activity_id":${mapping.activityId},"activity_name":${str(activityName(ocsfClass.activities, mapping.activityId, action))},` +
    `"type_uid":${mapping.classUid * 100 + mapping.activityId},"type_name":${str(`${ocsfClass.caption}: ${ocsfClass.activities[mapping.activityId]}`)},` +
    `"severity_id":${SEVERITY_INFORMATIONAL.id},"severity":${str(SEVERITY_INFORMATIONAL.caption)},"time":`;
  const parts = { mapping, head, api: JSON.stringify(apiDetails(action)) };
  if (partsByAction.size >= MAX_CACHED_ACTIONS) partsByAction.clear();
  partsByAction.set(action, parts);
  return parts;
}

const METADATA_HEAD = `,"metadata":{"version":${str(OCSF_VERSION)},"product":${JSON.stringify(MONDOO_PRODUCT)},"uid":`;
const APP_ACTOR = `,"actor":{"app_name":${str(MONDOO_PRODUCT.name)}}`;
const USER_TYPE = `,"type":${str(USER_TYPE_USER.caption)},"type_id":${USER_TYPE_USER.id}`;
const SERVICE_ACCOUNT_TYPE = `,"type":"Service Account","type_id":${USER_TYPE_OTHER}`;

/** `,"type":…,"type_id":…` of userType(mrn), or nothing. */
function userTypeJson(mrn: string | null | undefined): string {
  if (mrn?.startsWith(MONDOO_USER_MRN_PREFIX)) return USER_TYPE;
  if (mrn?.includes('/serviceaccounts/')) return SERVICE_ACCOUNT_TYPE;
  return '';
}

/** Members of an object with undefined ones left out, as JSON.stringify does: `"a":…,"b":…`. */
function members(entries: ReadonlyArray<readonly [string, string | undefined]>): string {
  let out = '';
  for (const [key, json] of entries) if (json !== undefined) out += `${out === '' ? '' : ','}"${key}":${json}`;
  return out;
}

const strOrUndefined = (value: string | null | undefined): string | undefined => (value === null || value === undefined ? undefined : str(value));

function observable(name: string, type: { id: number; caption: string }, value: string): string {
  return `{"name":"${name}","type":${str(type.caption)},"type_id":${type.id},"value":${str(value)}}`;
}

/** The OCSF event of `event` as one line of JSON (no newline): JSON.stringify(mapMondooEventToOcsf(event, ctx)). */
export function mondooOcsfLine(event: SourceEvent, ctx: OcsfMappingContext): { line: string; time: number } {
  const { node } = event;
  const { mapping, head, api } = actionParts(node.action);
  const time = parseRfc3339ToEpochMs(node.timestamp);
  let line = head + String(time);
  if (node.msg !== null && node.msg !== undefined) line += `,"message":${str(node.msg)}`;
  line +=
    `${METADATA_HEAD}${str(event.key)},"event_code":${str(node.action)},"log_name":${str(MONDOO_LOG_NAME)},` +
    `"log_provider":${str(MONDOO_PRODUCT.name)},"original_time":${str(node.timestamp)},"tenant_uid":${str(ctx.scopeMrn)}}`;

  const identity = node.identity;
  const userName = identity?.name ?? undefined;
  const user = members([
    ['name', strOrUndefined(userName)],
    ['uid', strOrUndefined(identity?.mrn)],
  ]);
  line += user === '' ? APP_ACTOR : `,"actor":{"user":{${user}${userTypeJson(identity?.mrn)}}}`;

  const address = sourceAddress(node.ip);
  const ip = address.endpoint?.ip as string | undefined;
  const intermediateIps = address.endpoint?.intermediate_ips as string[] | undefined;
  const isApiActivity = mapping.classUid === API_ACTIVITY;
  if (address.endpoint) line += `,"src_endpoint":${JSON.stringify(address.endpoint)}`;
  else if (isApiActivity) line += `,"src_endpoint":{"name":${str(UNKNOWN)}}`;

  const resource = node.resource;
  if (mapping.classUid === ACCOUNT_CHANGE) {
    line += resource === null ? `,"user":{"name":${str(UNKNOWN)}}` : `,"user":{"uid":${str(resource)}${userTypeJson(resource)}}`;
  } else if (mapping.classUid === ENTITY_MANAGEMENT) {
    const name = resource === null ? UNKNOWN : lastMrnSegment(resource);
    const isOrganization = mapping.entityType === MANAGED_ENTITY_ORGANIZATION.caption;
    const nameAndUid: Array<readonly [string, string | undefined]> = [
      ['name', strOrUndefined(name)],
      ['uid', strOrUndefined(resource)],
    ];
    const entity = members([
      ...nameAndUid,
      ['type', strOrUndefined(mapping.entityType)],
      ['type_id', String(isOrganization ? MANAGED_ENTITY_ORGANIZATION.id : MANAGED_ENTITY_OTHER)],
      ['org', isOrganization && resource !== null ? `{${members(nameAndUid)}}` : undefined],
    ]);
    line += `,"entity":{${entity}}`;
  } else if (resource !== null) {
    line += `,"resources":[{${members([
      ['name', strOrUndefined(lastMrnSegment(resource))],
      ['uid', str(resource)],
    ])}}]`;
  }
  if (isApiActivity) line += `,"api":${api}`;

  let observables = '';
  const add = (item: string) => (observables += observables === '' ? item : `,${item}`);
  if (user !== '' && userName !== undefined) add(observable('actor.user.name', OBSERVABLE_USER_NAME, userName));
  if (ip !== undefined) add(observable('src_endpoint.ip', OBSERVABLE_IP_ADDRESS, ip));
  for (const intermediate of intermediateIps ?? []) add(observable('src_endpoint.intermediate_ips', OBSERVABLE_IP_ADDRESS, intermediate));
  if (observables !== '') line += `,"observables":[${observables}]`;

  const unmapped = members([
    ['identity_mrn', strOrUndefined(identity?.mrn)],
    ['resource_mrn', strOrUndefined(resource)],
    ['scope_mrn', str(ctx.scopeMrn)],
    ['parent', strOrUndefined(node.parent)],
    ['ip', address.keepRaw ? strOrUndefined(node.ip) : undefined],
  ]);
  line += `,"unmapped":{"mondoo":{${unmapped}}}}`;
  return { line, time };
}
