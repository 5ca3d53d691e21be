// The OCSF line of one Cloud Audit Logs entry, written as JSON text directly: byte for byte
// JSON.stringify(mapGcpAuditLogEntryToOcsf(...)), which stays the readable definition of the mapping
// (test/unit/gcp-audit-logs-ocsf-line.test.ts holds the two equal on random and generated entries). Why a
// second form: building the event as objects and then stringifying cost 2.4-2.6 times JSON.parse +
// JSON.stringify of the entry (bench/RESULTS.md, mapping); here what is fixed per method and severity
// (class, activity, captions) is JSON text made once, each entry adds only its own values, each escaped
// by JSON.stringify, and each bounded unmapped part goes in as the JSON already made to measure it.
import { API_ACTIVITY, OBSERVABLE_IP_ADDRESS, OBSERVABLE_USER_NAME, OCSF_CLASSES, OCSF_VERSION } from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';
import { apiActivityOf } from './ocsf-activity';
import {
  callerAddress,
  EMAIL,
  epochMsOrUndefined,
  logContainerOf,
  MAX_UNMAPPED_PART_CHARS,
  POLICY_LOG,
  PRODUCT,
  rpcCodeName,
  severityOf,
  text,
  UNKNOWN,
} from './to-ocsf';
import type { GcpLogEntry } from './types';

/** A JSON value (the escaping JSON.stringify applies inside an object too). */
const json = JSON.stringify as (value: unknown) => string;

/** Methods and severities are short lists in practice; a source sending endless new ones must not grow memory without bound. */
const MAX_CACHED = 1_000;

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  const found = cache.get(key);
  if (found !== undefined) return found;
  const made = make();
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, made);
  return made;
}

const ocsfClass = OCSF_CLASSES[API_ACTIVITY];
const openingByMethod = new Map<string, string>();
/** The line's opening up to the severity, as the mapper writes it for the method (methodName as given, text()). */
const openingOf = (method: string | undefined): string =>
  cached(openingByMethod, method ?? '', () => {
    const activity = apiActivityOf(method);
    return json({
      category_uid: ocsfClass.categoryUid,
      category_name: ocsfClass.categoryCaption,
      class_uid: API_ACTIVITY,
      class_name: ocsfClass.caption,
      activity_id: activity.activityId,
      activity_name: activity.activityName,
      type_uid: API_ACTIVITY * 100 + activity.activityId,
      type_name: `${ocsfClass.caption}: ${activity.activityId === 99 ? 'Other' : activity.activityName}`,
    }).slice(0, -1);
  });

const severityBySeverity = new Map<string, string>();
/** `,"severity_id":…,"severity":…,"time":` for the entry's severity, as the mapper looks it up. */
const severityMembers = (severity: string | undefined): string =>
  cached(severityBySeverity, severity ?? 'DEFAULT', () => {
    const found = severityOf(severity);
    return `,"severity_id":${found.id},"severity":${json(found.caption)},"time":`;
  });

const METADATA_HEAD = `,"metadata":{"version":${json(OCSF_VERSION)},"product":${json(PRODUCT)},"uid":`;
const METADATA_TAIL = `,"profiles":["cloud"]}`;
const REDACTED_USER = `{"name":${json(UNKNOWN)},"type_id":0,"type":"Unknown"}`;
const SUCCESS = `,"status_id":1,"status":"Success"`;
const FAILURE = `,"status_id":2,"status":"Failure"`;
const UNKNOWN_ENDPOINT = `,"src_endpoint":{"name":${json(UNKNOWN)}`;

/** `,"<key>":<JSON>`, or nothing for undefined (as JSON.stringify leaves an undefined member out). */
const member = (key: string, value: unknown): string => (value === undefined ? '' : `,"${key}":${json(value)}`);

/** `,"<key>":<bounded(value) as JSON>`: the part's JSON reused, or its truncated form if it is too long. */
function boundedMember(key: string, value: unknown): string {
  if (value === undefined) return '';
  const whole = json(value);
  if (whole === undefined) return '';
  if (whole.length <= MAX_UNMAPPED_PART_CHARS) return `,"${key}":${whole}`;
  return `,"${key}":{"truncated":true,"original_chars":${whole.length},"json_prefix":${json(whole.slice(0, MAX_UNMAPPED_PART_CHARS))}}`;
}

/** `,{…}` of one observable, from its value's JSON. */
function observable(name: string, type: { id: number; caption: string }, valueJson: string): string {
  return `,{"name":"${name}","type":${json(type.caption)},"type_id":${type.id},"value":${valueJson}}`;
}

/** actorOf's actor as JSON, and the name it gives the caller (and that name's JSON). */
function actorOf(entry: GcpLogEntry): { actor: string; userName?: string; userNameJson?: string } {
  const auth = entry.protoPayload?.authenticationInfo;
  const email = text(auth?.principalEmail);
  const subject = text(auth?.principalSubject);
  const name = email ?? subject;
  let user: string;
  let nameJson: string | undefined;
  if (name === undefined) {
    // Google redacts callers it may not name (e.g. outside the organization in Data Access logs).
    user = REDACTED_USER;
  } else {
    const isServiceAccount = /\.gserviceaccount\.com$/.test(name) || subject?.startsWith('serviceAccount:') === true;
    const type =
      name === 'system@google.com'
        ? ',"type_id":3,"type":"System"'
        : isServiceAccount
          ? ',"type_id":99,"type":"Service Account"'
          : ',"type_id":1,"type":"User"';
    nameJson = json(name);
    // The name is the e-mail when there is one.
    const emailAddr = email !== undefined && EMAIL.test(email) ? `,"email_addr":${nameJson}` : '';
    user = `{"name":${nameJson}${member('uid', subject)}${emailAddr}` + `${type}${member('credential_uid', text(auth?.serviceAccountKeyName))}}`;
  }
  let authorizations = '';
  const infos = entry.protoPayload?.authorizationInfo ?? [];
  for (let i = 0; i < infos.length && i < 20; i++) {
    const info = infos[i]!;
    if (text(info.permission) === undefined) continue;
    const decision = info.granted === false ? '"decision":"Denied",' : info.granted === true ? '"decision":"Allowed",' : '';
    authorizations += `,{${decision}"policy":{"name":${json(info.permission)}}}`;
  }
  return { actor: `{"user":${user}${authorizations === '' ? '' : `,"authorizations":[${authorizations.slice(1)}]`}}`, userName: name, userNameJson: nameJson };
}

/** cloudOf's cloud as JSON: the project the entry belongs to, its region and zone. */
function cloudOf(entry: GcpLogEntry, container: string): string {
  const labels = entry.resource?.labels ?? {};
  const project = text(labels.project_id) ?? (container.startsWith('projects/') ? container.slice('projects/'.length) : undefined);
  const location = entry.protoPayload?.resourceLocation?.currentLocations?.[0] ?? text(labels.zone) ?? text(labels.location) ?? text(labels.region);
  // Zones are a region plus a letter: us-central1-a is in us-central1.
  const zoneMatch = location === undefined ? null : /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(location);
  const projectJson = project === undefined ? undefined : json(project);
  return (
    '{"provider":"GCP"' +
    (projectJson === undefined ? '' : `,"account":{"uid":${projectJson},"type_id":11,"type":"GCP Project"},"project_uid":${projectJson}`) +
    (container.startsWith('organizations/') ? `,"org":{"uid":${json(container.slice('organizations/'.length))}}` : '') +
    member('region', zoneMatch ? zoneMatch[1] : location) +
    (zoneMatch ? `,"zone":${json(location)}` : '') +
    '}'
  );
}

/** The OCSF event of `entry` as one line of JSON (no newline): JSON.stringify(mapGcpAuditLogEntryToOcsf(entry)), and its time. */
export function gcpAuditLogOcsfLine(entry: GcpLogEntry): { line: string; time: number } {
  const payload = entry.protoPayload ?? {};
  const givenMethod = text(payload.methodName);
  const methodName = givenMethod ?? UNKNOWN;
  const serviceName = text(payload.serviceName);
  const { actor, userName, userNameJson } = actorOf(entry);
  const callerIp = text(payload.requestMetadata?.callerIp);
  const ip = callerAddress(callerIp);
  const ipJson = ip === undefined ? undefined : json(ip);
  const callerNetwork = text(payload.requestMetadata?.callerNetwork);
  const userAgent = text(payload.requestMetadata?.callerSuppliedUserAgent);
  const code = payload.status?.code;
  const resourceName = text(payload.resourceName);
  const container = logContainerOf(entry.logName);
  const time = parseRfc3339ToEpochMs(entry.timestamp);

  // statusOf.
  let status = SUCCESS;
  const statusCode = code ?? 0;
  const deniedByPolicy = entry.logName.endsWith(POLICY_LOG);
  if (statusCode !== 0 || deniedByPolicy) {
    const detail =
      text(payload.status?.message) ?? (statusCode !== 0 ? rpcCodeName(statusCode) : undefined) ?? (deniedByPolicy ? 'Denied by policy' : undefined);
    status = FAILURE + (statusCode === 0 ? '' : `,"status_code":${json(String(statusCode))}`) + member('status_detail', detail);
  }

  const message = `${userName ?? 'A redacted caller'} called ${methodName}${serviceName ? ` of ${serviceName}` : ''}${resourceName === undefined ? '' : ` on ${resourceName}`}`;
  const methodJson = json(methodName);
  let line =
    `${openingOf(givenMethod)}${severityMembers(entry.severity)}${time},"message":${json(message)}${status}` +
    `${METADATA_HEAD}${json(entry.insertId)},"event_code":${methodJson},"log_name":${json(entry.logName)},"log_provider":"Cloud Logging"` +
    `,"original_time":${json(entry.timestamp)}${member('logged_time', epochMsOrUndefined(entry.receiveTimestamp))}` +
    `${member('correlation_uid', text(entry.operation?.id))},"tenant_uid":${json(container)}${METADATA_TAIL}`;

  line += `,"actor":${actor},"api":{"operation":${methodJson}`;
  if (serviceName !== undefined) line += `,"service":{"name":${json(serviceName)}}`;
  if (code !== undefined && code !== 0)
    line += `,"response":{"code":${json(code)}${member('error', rpcCodeName(code))}${member('message', text(payload.status?.message))}}`;
  line += `},"cloud":${cloudOf(entry, container)}`;
  if (resourceName !== undefined) {
    const name = resourceName.slice(resourceName.lastIndexOf('/') + 1) || resourceName;
    line += `,"resources":[{"uid":${json(resourceName)},"name":${json(name)}${member('type', text(entry.resource?.type))}}]`;
  }
  // API Activity requires src_endpoint; `private` and `gce-internal-ip` are no address.
  line += ipJson !== undefined ? `,"src_endpoint":{"ip":${ipJson}}` : `${UNKNOWN_ENDPOINT}${member('vpc_uid', callerNetwork)}}`;
  if (userAgent !== undefined) line += `,"http_request":{"user_agent":${json(userAgent)}}`;

  let observables = '';
  if (userNameJson !== undefined) observables += observable('actor.user.name', OBSERVABLE_USER_NAME, userNameJson);
  if (ipJson !== undefined) observables += observable('src_endpoint.ip', OBSERVABLE_IP_ADDRESS, ipJson);
  if (observables !== '') line += `,"observables":[${observables.slice(1)}]`;

  const unmapped =
    member('caller_ip', ip === undefined ? callerIp : undefined) +
    member('caller_network', ip === undefined ? undefined : callerNetwork) +
    member('resource_labels', entry.resource?.labels) +
    member('labels', entry.labels) +
    member('operation', entry.operation) +
    boundedMember('status_details', payload.status?.details) +
    member('authority_selector', text(payload.authenticationInfo?.authoritySelector)) +
    boundedMember('service_account_delegation', payload.authenticationInfo?.serviceAccountDelegationInfo) +
    member('resource_locations', payload.resourceLocation?.currentLocations) +
    member('num_response_items', payload.numResponseItems) +
    boundedMember('request', payload.request) +
    boundedMember('response', payload.response) +
    boundedMember('metadata', payload.metadata) +
    boundedMember('service_data', payload.serviceData) +
    boundedMember('policy_violation_info', payload.policyViolationInfo) +
    member('trace', text(entry.trace)) +
    member('span_id', text(entry.spanId));
  line += `,"unmapped":{"gcp":{${unmapped.slice(1)}}}}`;
  return { line, time };
}
