// Maps one Cloud Audit Logs entry to one OCSF 1.5.0 API Activity (6003) event, in the shape of OCSF's
// CloudTrail mapping. Pure and deterministic (no I/O, no clock): the same entry always yields the same
// JSON, so a re-export is byte-identical. What has no OCSF home (request, response, metadata, …) is
// kept under `unmapped.gcp`, each part bounded in size.
import { isIP } from 'node:net';
import { API_ACTIVITY, OBSERVABLE_IP_ADDRESS, OBSERVABLE_USER_NAME, OCSF_CLASSES, OCSF_VERSION } from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';
import { apiActivityOf } from './ocsf-activity';
import type { GcpLogEntry } from './types';

type OcsfObject = Record<string, unknown>;

export const PRODUCT = { name: 'Cloud Audit Logs', vendor_name: 'Google' } as const;
/** Each unmapped part larger than this is cut: a line must stay far below the object and batch bounds. */
export const MAX_UNMAPPED_PART_CHARS = 8 * 1024;
const IP_MAX_LENGTH = 40;
export const UNKNOWN = 'Unknown';
/** The OCSF email_t pattern's ASCII subset: anything else stays a user name only. */
export const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
export const POLICY_LOG = 'cloudaudit.googleapis.com%2Fpolicy';

/** google.rpc.Code names, for status_detail when an entry gives only the number. */
const RPC_CODES: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/** LogSeverity → OCSF severity_id (captions as in the schema). */
const SEVERITIES: Readonly<Record<string, { id: number; caption: string }>> = {
  DEFAULT: { id: 0, caption: 'Unknown' },
  DEBUG: { id: 1, caption: 'Informational' },
  INFO: { id: 1, caption: 'Informational' },
  NOTICE: { id: 2, caption: 'Low' },
  WARNING: { id: 3, caption: 'Medium' },
  ERROR: { id: 4, caption: 'High' },
  CRITICAL: { id: 5, caption: 'Critical' },
  ALERT: { id: 5, caption: 'Critical' },
  EMERGENCY: { id: 6, caption: 'Fatal' },
};

/** The LogSeverity's OCSF severity: DEFAULT's (0 Unknown) for an absent or unknown one (own entries only: `constructor` is unknown). */
export const severityOf = (severity: string | undefined): { id: number; caption: string } =>
  severity !== undefined && Object.hasOwn(SEVERITIES, severity) ? SEVERITIES[severity]! : SEVERITIES.DEFAULT!;

/** The google.rpc.Code name of a status code, if it has one. */
export const rpcCodeName = (code: number): string | undefined => (Object.hasOwn(RPC_CODES, code) ? RPC_CODES[code] : undefined);

/** Omits undefined entries (OCSF has no nulls: absent means unknown), keeping the insertion order. */
function defined(entries: OcsfObject): OcsfObject {
  const out: OcsfObject = {};
  for (const key in entries) if (entries[key] !== undefined) out[key] = entries[key];
  return out;
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A part of the entry, bounded: a huge one is kept as a truncated JSON string. */
export function bounded(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= MAX_UNMAPPED_PART_CHARS) return value;
  return { truncated: true, original_chars: json.length, json_prefix: json.slice(0, MAX_UNMAPPED_PART_CHARS) };
}

/** An address callerIp (`private` and `gce-internal-ip` are not). */
export function callerAddress(callerIp: string | undefined): string | undefined {
  return callerIp !== undefined && callerIp.length <= IP_MAX_LENGTH && isIP(callerIp) !== 0 ? callerIp : undefined;
}

/** `projects/p/logs/…` → `projects/p`: the resource the log belongs to. */
export const logContainerOf = (logName: string): string => logName.slice(0, Math.max(0, logName.indexOf('/logs/'))) || logName;

function actorOf(entry: GcpLogEntry): { actor: OcsfObject; userName?: string } {
  const auth = entry.protoPayload?.authenticationInfo;
  const email = text(auth?.principalEmail);
  const subject = text(auth?.principalSubject);
  const name = email ?? subject;
  const authorizations = (entry.protoPayload?.authorizationInfo ?? [])
    .slice(0, 20)
    .flatMap((info) =>
      text(info.permission)
        ? [defined({ decision: info.granted === false ? 'Denied' : info.granted === true ? 'Allowed' : undefined, policy: { name: info.permission } })]
        : [],
    );
  let user: OcsfObject;
  if (name === undefined) {
    // Google redacts callers it may not name (e.g. outside the organization in Data Access logs).
    user = { name: UNKNOWN, type_id: 0, type: 'Unknown' };
  } else {
    const isServiceAccount = /\.gserviceaccount\.com$/.test(name) || subject?.startsWith('serviceAccount:') === true;
    const isGoogle = name === 'system@google.com';
    user = defined({
      name,
      uid: subject,
      email_addr: email !== undefined && EMAIL.test(email) ? email : undefined,
      type_id: isGoogle ? 3 : isServiceAccount ? 99 : 1,
      type: isGoogle ? 'System' : isServiceAccount ? 'Service Account' : 'User',
      credential_uid: text(auth?.serviceAccountKeyName),
    });
  }
  return { actor: defined({ user, authorizations: authorizations.length > 0 ? authorizations : undefined }), userName: name };
}

function statusOf(entry: GcpLogEntry): OcsfObject {
  const status = entry.protoPayload?.status;
  const code = status?.code ?? 0;
  const deniedByPolicy = entry.logName.endsWith(POLICY_LOG);
  if (code === 0 && !deniedByPolicy) return { status_id: 1, status: 'Success' };
  return defined({
    status_id: 2,
    status: 'Failure',
    status_code: code === 0 ? undefined : String(code),
    status_detail: text(status?.message) ?? (code !== 0 ? rpcCodeName(code) : undefined) ?? (deniedByPolicy ? 'Denied by policy' : undefined),
  });
}

/** cloud{}: the project the entry belongs to, its region and zone. */
function cloudOf(entry: GcpLogEntry): OcsfObject {
  const labels = entry.resource?.labels ?? {};
  const container = logContainerOf(entry.logName);
  const project = text(labels.project_id) ?? (container.startsWith('projects/') ? container.slice('projects/'.length) : undefined);
  const location = entry.protoPayload?.resourceLocation?.currentLocations?.[0] ?? text(labels.zone) ?? text(labels.location) ?? text(labels.region);
  // Zones are a region plus a letter: us-central1-a is in us-central1.
  const zoneMatch = location === undefined ? null : /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(location);
  const region = zoneMatch ? zoneMatch[1] : location;
  return defined({
    provider: 'GCP',
    account: project === undefined ? undefined : { uid: project, type_id: 11, type: 'GCP Project' },
    project_uid: project,
    org: container.startsWith('organizations/') ? { uid: container.slice('organizations/'.length) } : undefined,
    region,
    zone: zoneMatch ? location : undefined,
  });
}

function resourcesOf(entry: GcpLogEntry): OcsfObject[] | undefined {
  const resourceName = text(entry.protoPayload?.resourceName);
  if (resourceName === undefined) return undefined;
  const name = resourceName.slice(resourceName.lastIndexOf('/') + 1) || resourceName;
  return [defined({ uid: resourceName, name, type: text(entry.resource?.type) })];
}

function observablesOf(userName: string | undefined, ip: string | undefined): OcsfObject[] | undefined {
  const list: OcsfObject[] = [];
  if (userName !== undefined) list.push({ name: 'actor.user.name', type: OBSERVABLE_USER_NAME.caption, type_id: OBSERVABLE_USER_NAME.id, value: userName });
  if (ip !== undefined) list.push({ name: 'src_endpoint.ip', type: OBSERVABLE_IP_ADDRESS.caption, type_id: OBSERVABLE_IP_ADDRESS.id, value: ip });
  return list.length > 0 ? list : undefined;
}

export const epochMsOrUndefined = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  try {
    return parseRfc3339ToEpochMs(value);
  } catch {
    return undefined;
  }
};

export function mapGcpAuditLogEntryToOcsf(entry: GcpLogEntry): Record<string, unknown> {
  const payload = entry.protoPayload ?? {};
  const methodName = text(payload.methodName) ?? UNKNOWN;
  const serviceName = text(payload.serviceName);
  const activity = apiActivityOf(text(payload.methodName));
  const ocsfClass = OCSF_CLASSES[API_ACTIVITY];
  const severity = severityOf(entry.severity);
  const { actor, userName } = actorOf(entry);
  const callerIp = text(payload.requestMetadata?.callerIp);
  const ip = callerAddress(callerIp);
  const callerNetwork = text(payload.requestMetadata?.callerNetwork);
  const userAgent = text(payload.requestMetadata?.callerSuppliedUserAgent);
  const status = statusOf(entry);
  const code = payload.status?.code;
  const resources = resourcesOf(entry);
  const container = logContainerOf(entry.logName);

  return defined({
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryCaption,
    class_uid: API_ACTIVITY,
    class_name: ocsfClass.caption,
    activity_id: activity.activityId,
    activity_name: activity.activityName,
    type_uid: API_ACTIVITY * 100 + activity.activityId,
    type_name: `${ocsfClass.caption}: ${activity.activityId === 99 ? 'Other' : activity.activityName}`,
    severity_id: severity.id,
    severity: severity.caption,
    time: parseRfc3339ToEpochMs(entry.timestamp),
    message: `${userName ?? 'A redacted caller'} called ${methodName}${serviceName ? ` of ${serviceName}` : ''}${resources ? ` on ${String(resources[0]!.uid)}` : ''}`,
    ...status,
    metadata: defined({
      version: OCSF_VERSION,
      product: PRODUCT,
      uid: entry.insertId,
      event_code: methodName,
      log_name: entry.logName,
      log_provider: 'Cloud Logging',
      // Nanoseconds and all: `time` is its epoch-ms form.
      original_time: entry.timestamp,
      logged_time: epochMsOrUndefined(entry.receiveTimestamp),
      // Both entries of a long-running operation carry its id.
      correlation_uid: text(entry.operation?.id),
      tenant_uid: container,
      // `cloud` is an attribute of the cloud profile: an event that carries it says so.
      profiles: ['cloud'],
    }),
    actor,
    api: defined({
      operation: methodName,
      service: serviceName === undefined ? undefined : { name: serviceName },
      response: code === undefined || code === 0 ? undefined : defined({ code, error: rpcCodeName(code), message: text(payload.status?.message) }),
    }),
    cloud: cloudOf(entry),
    resources,
    // API Activity requires src_endpoint; `private` and `gce-internal-ip` are no address.
    src_endpoint: ip !== undefined ? { ip } : defined({ name: UNKNOWN, vpc_uid: callerNetwork }),
    http_request: userAgent === undefined ? undefined : { user_agent: userAgent },
    observables: observablesOf(userName, ip),
    unmapped: {
      gcp: defined({
        caller_ip: ip === undefined ? callerIp : undefined,
        caller_network: ip === undefined ? undefined : callerNetwork,
        resource_labels: entry.resource?.labels,
        labels: entry.labels,
        operation: entry.operation,
        status_details: bounded(payload.status?.details),
        authority_selector: text(payload.authenticationInfo?.authoritySelector),
        service_account_delegation: bounded(payload.authenticationInfo?.serviceAccountDelegationInfo),
        resource_locations: payload.resourceLocation?.currentLocations,
        num_response_items: payload.numResponseItems,
        request: bounded(payload.request),
        response: bounded(payload.response),
        metadata: bounded(payload.metadata),
        service_data: bounded(payload.serviceData),
        policy_violation_info: bounded(payload.policyViolationInfo),
        trace: text(entry.trace),
        span_id: text(entry.spanId),
      }),
    },
  });
}
