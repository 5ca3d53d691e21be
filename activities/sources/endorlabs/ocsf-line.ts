// The OCSF line of one Endor Labs audit log, written as JSON text directly: byte for byte
// JSON.stringify(mapEndorLabsEventToOcsf(...)), which stays the readable definition of the mapping
// (test/unit/endorlabs-ocsf-line.test.ts holds the two equal on random and generated records). Why a
// second form: building the event as objects and then stringifying cost 2.6-2.7 times JSON.parse +
// JSON.stringify of the record (bench/RESULTS.md, mapping); here what is fixed per operation (class,
// activity, captions, api) is JSON text made once, each record adds only its own values, each escaped by
// JSON.stringify, and the bounded payload goes in as the JSON already made to measure it.
import { OBSERVABLE_IP_ADDRESS, OBSERVABLE_USER_NAME, OCSF_VERSION, SEVERITY_INFORMATIONAL } from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';
import { AUTHENTICATION, endorActivity, ENDOR_OCSF_CLASSES, type EndorActivity } from './ocsf-activities';
import { authProtocol, EMAIL, MAX_UNMAPPED_PAYLOAD_CHARS, parseRemoteAddress, PRODUCT, record, text, UNKNOWN } from './to-ocsf';
import type { EndorSourceEvent } from './types';

/** A JSON value (the escaping JSON.stringify applies inside an object too). */
const json = JSON.stringify as (value: unknown) => string;

/** What an operation fixes: its activity, the line's opening up to `"time":`, and the `api` member. */
interface OperationParts {
  activity: EndorActivity;
  head: string;
  api: string;
}

const partsByOperation = new Map<string, OperationParts>();
/** Operations are a short list in practice; a source sending endless new ones must not grow memory without bound. */
const MAX_CACHED_OPERATIONS = 1_000;

function operationParts(operation: string | undefined, messageKind: string | undefined): OperationParts {
  // endorActivity reads the message kind only as "is it AuthenticationLog".
  const authenticationLog = messageKind === 'AuthenticationLog';
  const cacheKey = `${authenticationLog ? 'A' : '-'}${operation ?? ''}`;
  const cached = partsByOperation.get(cacheKey);
  if (cached) return cached;
  const activity = endorActivity(operation, authenticationLog ? messageKind : undefined);
  const ocsfClass = ENDOR_OCSF_CLASSES[activity.classUid];
  // The members as the mapper writes them, in its order, up to `time`.
  const opening = json({
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryCaption,
    class_uid: activity.classUid,
    class_name: ocsfClass.caption,
    activity_id: activity.activityId,
    activity_name: activity.activityName,
    type_uid: activity.classUid * 100 + activity.activityId,
    type_name: `${ocsfClass.caption}: ${activity.activityId === 99 ? 'Other' : activity.activityName}`,
    severity_id: SEVERITY_INFORMATIONAL.id,
    severity: SEVERITY_INFORMATIONAL.caption,
  });
  const parts = {
    activity,
    head: `${opening.slice(0, -1)},"time":`,
    api: `,"api":${json({ operation: activity.operation, service: { name: PRODUCT.name } })}`,
  };
  if (partsByOperation.size >= MAX_CACHED_OPERATIONS) partsByOperation.clear();
  partsByOperation.set(cacheKey, parts);
  return parts;
}

const METADATA_HEAD = `,"metadata":{"version":${json(OCSF_VERSION)},"product":${json(PRODUCT)},"uid":`;
const LOG_NAME_AND_PROVIDER = `,"log_name":"audit-logs","log_provider":${json(PRODUCT.name)},"original_time":`;
const APP_ACTOR = `,"actor":{"app_name":${json(PRODUCT.name)}}`;
const UNKNOWN_USER = `{"name":${json(UNKNOWN)}}`;
const SUCCESS = `,"status_id":1,"status":"Success"`;
const FAILURE = `,"status_id":2,"status":"Failure"`;

/** userOf(name) as JSON (the name, and the e-mail when it is one), from the name and its JSON. */
const userJson = (name: string, nameJson: string): string => (EMAIL.test(name) ? `{"name":${nameJson},"email_addr":${nameJson}}` : `{"name":${nameJson}}`);

/** `,"<key>":<JSON>`, or nothing for undefined (as JSON.stringify leaves an undefined member out). */
const member = (key: string, value: unknown): string => (value === undefined ? '' : `,"${key}":${json(value)}`);

/** `,{…}` of one observable, from its value's JSON. */
function observable(name: string, type: { id: number; caption: string }, valueJson: string): string {
  return `,{"name":"${name}","type":${json(type.caption)},"type_id":${type.id},"value":${valueJson}}`;
}

/**
 * `meta` as the mapper writes it, `defined({ ...meta, create_time: undefined })`, as JSON: without
 * create_time (a `__proto__` key stays a key there, as here).
 */
function metaWithoutCreateTime(meta: Record<string, unknown>, createTimeJson: string): string {
  const whole = json(meta);
  // The API sends create_time first: then it is the text's first member (a key can appear nowhere else
  // at the start of the text), cut off here.
  const first = `{"create_time":${createTimeJson}`;
  if (whole.startsWith(first)) {
    const next = whole.charCodeAt(first.length);
    if (next === 0x2c /* , */) return `{${whole.slice(first.length + 1)}`;
    if (next === 0x7d /* } */ && whole.length === first.length + 1) return '{}';
  }
  let out = '';
  for (const key of Object.keys(meta)) {
    if (key === 'create_time') continue;
    const value = json(meta[key]);
    if (value !== undefined) out += `,${json(key)}:${value}`;
  }
  return `{${out.slice(1)}}`;
}

/** boundedPayload(payload) as JSON, the payload's JSON reused: the truncated form if it is too long. */
function boundedPayloadJson(payload: unknown): string | undefined {
  if (payload === undefined) return undefined;
  const whole = json(payload);
  if (whole === undefined || whole.length <= MAX_UNMAPPED_PAYLOAD_CHARS) return whole;
  return `{"truncated":true,"original_chars":${whole.length},"json_prefix":${json(whole.slice(0, MAX_UNMAPPED_PAYLOAD_CHARS))}}`;
}

/** The OCSF event of `event` as one line of JSON (no newline): JSON.stringify(mapEndorLabsEventToOcsf(event)), and its time. */
export function endorLabsOcsfLine(event: EndorSourceEvent): { line: string; time: number } {
  const log = event.node;
  const { spec, meta } = log;
  const { activity, head, api } = operationParts(spec.operation, spec.message_kind);
  const payload = record(spec.payload);

  // Who acted (principalOf): the first claim's subject, else created_by unless the platform acted.
  const claim = spec.claims?.[0];
  const createdBy = text(meta.created_by);
  const subject = text(claim?.subject) ?? (createdBy === 'system' ? undefined : createdBy);
  const issuer = text(claim?.issuer);
  const subjectJson = subject === undefined ? undefined : json(subject);
  const principalUser = subject === undefined ? undefined : userJson(subject, subjectJson!);

  const remoteAddress = text(spec.remote_address);
  const address = parseRemoteAddress(remoteAddress);
  const ipJson = address ? json(address.ip) : undefined;
  const srcEndpoint = address ? `{"ip":${ipJson}${address.port === undefined ? '' : `,"port":${address.port}`}}` : undefined;

  // statusOf.
  let status = SUCCESS;
  let succeeded = true;
  const error = text(spec.error);
  if (error !== undefined) {
    status = `${FAILURE},"status_detail":${json(error)}`;
    succeeded = false;
  } else if (payload?.success === false) {
    status = FAILURE + member('status_detail', text(payload.failure_reason) ?? text(payload.reason));
    succeeded = false;
  }

  const isAuthentication = activity.classUid === AUTHENTICATION;
  // resourceOf.
  let resource: string | undefined;
  let resourceName: string | undefined;
  let resourceUid: string | undefined;
  let resourceType: string | undefined;
  if (!isAuthentication) {
    resourceName = text(record(payload?.meta)?.name) ?? text(payload?.name) ?? text(meta.name);
    resourceUid = text(spec.message_uuid) ?? text(payload?.uuid);
    resourceType = text(spec.message_kind) ?? text(payload?.kind);
    if (resourceName !== undefined || resourceUid !== undefined)
      resource =
        `{${resourceName === undefined ? `"uid":${json(resourceUid)}` : `"name":${json(resourceName)}${member('uid', resourceUid)}`}` +
        `${member('type', resourceType)}${member('namespace', text(log.tenant_meta.namespace))}}`;
  }
  const createTime = meta.create_time;
  const time = parseRfc3339ToEpochMs(createTime);

  // messageOf.
  const message =
    text(meta.description) ??
    (resource === undefined ? activity.operation : `${activity.operation} ${resourceType ?? 'resource'} ${resourceName ?? resourceUid}`);

  const createTimeJson = json(createTime);
  let line =
    `${head}${time},"message":${json(message)}${status}${METADATA_HEAD}${json(log.uuid)}${member('event_code', text(spec.operation))}` +
    `${LOG_NAME_AND_PROVIDER}${createTimeJson},"tenant_uid":${json(log.tenant_meta.namespace)}}`;
  line += principalUser === undefined ? APP_ACTOR : `,"actor":{"user":${principalUser}${issuer === undefined ? '' : `,"idp":{"name":${json(issuer)}}`}}`;

  let userName: string | undefined;
  let userNameJson: string | undefined;
  if (isAuthentication) {
    // The account that logged on: the payload's user, else the principal of the claims.
    const payloadUser = text(payload?.user_id);
    userName = payloadUser ?? subject;
    userNameJson = payloadUser === undefined ? subjectJson : json(payloadUser);
    line += `,"user":${userName === undefined ? UNKNOWN_USER : userJson(userName, userNameJson!)}`;
    const protocol = authProtocol(text(payload?.authentication_method));
    line += member('auth_protocol_id', protocol.auth_protocol_id) + member('auth_protocol', protocol.auth_protocol);
    if (typeof payload?.mfa === 'boolean') line += `,"is_mfa":${payload.mfa}`;
    if (address) line += ',"is_remote":true';
    const sessionId = text(payload?.session_id);
    if (sessionId !== undefined) line += `,"session":{"uid":${json(sessionId)}${member('issuer', issuer)}${succeeded ? `,"created_time":${time}` : ''}}`;
    line += `,"service":{"name":${json(text(claim?.audience) ?? PRODUCT.name)}}`;
    if (srcEndpoint !== undefined) line += `,"src_endpoint":${srcEndpoint}`;
  } else {
    line += api;
    if (resource !== undefined) line += `,"resources":[${resource}]`;
    line += `,"src_endpoint":${srcEndpoint ?? `{"name":${json(UNKNOWN)}}`}`;
  }

  let observables = '';
  if (subject !== undefined && subject !== UNKNOWN) observables += observable('actor.user.name', OBSERVABLE_USER_NAME, subjectJson!);
  if (userName !== undefined && userName !== UNKNOWN) observables += observable('user.name', OBSERVABLE_USER_NAME, userNameJson!);
  if (ipJson !== undefined) observables += observable('src_endpoint.ip', OBSERVABLE_IP_ADDRESS, ipJson);
  if (observables !== '') line += `,"observables":[${observables.slice(1)}]`;

  const claims = spec.claims && spec.claims.length > 0 ? spec.claims : undefined;
  const unmapped =
    `${member('namespace', log.tenant_meta.namespace)},"meta":${metaWithoutCreateTime(meta, createTimeJson)}` +
    `${member('message_kind', text(spec.message_kind))}${member('message_uuid', text(spec.message_uuid))}${member('claims', claims)}` +
    `${member('remote_address', address ? undefined : remoteAddress)}`;
  const boundedPayload = boundedPayloadJson(spec.payload);
  line += `,"unmapped":{"endorlabs":{${unmapped.slice(1)}${boundedPayload === undefined ? '' : `,"payload":${boundedPayload}`}}}}`;
  return { line, time };
}
