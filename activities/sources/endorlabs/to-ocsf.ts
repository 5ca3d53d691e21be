// Maps one Endor Labs audit log to one OCSF 1.5.0 event. Pure and deterministic (no I/O, no clock): the
// same record always yields the same JSON, so a re-export is byte-identical. Authentication events go
// to 3002 Authentication, resource operations to 6003 API Activity; whatever has no OCSF home is kept
// under `unmapped.endorlabs`, with the payload bounded in size.
import { isIP } from 'node:net';
import { OBSERVABLE_IP_ADDRESS, OBSERVABLE_USER_NAME, OCSF_VERSION, SEVERITY_INFORMATIONAL } from '../../ocsf/ocsf-classes';
import { parseRfc3339ToEpochMs } from '../../ocsf/rfc3339';
import { endorActivity, AUTHENTICATION, ENDOR_OCSF_CLASSES, type EndorActivity } from './ocsf-activities';
import type { EndorAuditLog, EndorSourceEvent } from './types';

type OcsfObject = Record<string, unknown>;

export const PRODUCT = { name: 'Endor Labs', vendor_name: 'Endor Labs' } as const;
/** Larger payloads are cut: a file line must stay far below the object and batch bounds. */
export const MAX_UNMAPPED_PAYLOAD_CHARS = 16 * 1024;
/** ip_t's max_len in the OCSF dictionary. */
const IP_MAX_LENGTH = 40;
/** Where OCSF requires an endpoint the record does not give (API Activity's src_endpoint). */
export const UNKNOWN = 'Unknown';
/** The OCSF email_t pattern's ASCII subset: anything else stays a user name only. */
export const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const STATUS_SUCCESS = { status_id: 1, status: 'Success' } as const;
const STATUS_FAILURE = { status_id: 2, status: 'Failure' } as const;

/**
 * Omits undefined entries (OCSF has no nulls: absent means unknown), keeping the insertion order. A
 * record's `__proto__` key (meta is copied key by key) stays a key, as JSON.parse gave it: assigning it
 * would set the prototype instead and drop the data.
 */
function defined(entries: OcsfObject): OcsfObject {
  const out: OcsfObject = {};
  for (const key in entries) {
    const value = entries[key];
    if (value === undefined) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
export const record = (value: unknown): OcsfObject | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as OcsfObject) : undefined;

/** "203.0.113.42", "203.0.113.42:51234", "[2001:db8::1]:443" -> ip (and port); anything else: undefined. */
export function parseRemoteAddress(address: string | undefined): { ip: string; port?: number } | undefined {
  if (address === undefined) return undefined;
  const trimmed = address.trim();
  if (trimmed.length <= IP_MAX_LENGTH && isIP(trimmed) !== 0) return { ip: trimmed };
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(trimmed);
  if (m && m[1]!.length <= IP_MAX_LENGTH && isIP(m[1]!) !== 0 && Number(m[2]) <= 65535) return { ip: m[1]!, port: Number(m[2]) };
  return undefined;
}

/** A person or principal: name always, e-mail when it is one. */
function userOf(name: string | undefined): OcsfObject | undefined {
  return name === undefined ? undefined : defined({ name, email_addr: EMAIL.test(name) ? name : undefined });
}

interface Principal {
  user?: OcsfObject;
  issuer?: string;
  audience?: string;
}

/** Who acted: the first claim's subject, else `created_by` unless the platform itself acted. */
function principalOf(log: EndorAuditLog): Principal {
  const claim = log.spec.claims?.[0];
  const createdBy = text(log.meta.created_by);
  const subject = text(claim?.subject) ?? (createdBy === 'system' ? undefined : createdBy);
  return { user: userOf(subject), issuer: text(claim?.issuer), audience: text(claim?.audience) };
}

function actorOf(principal: Principal): OcsfObject {
  const idp = principal.issuer === undefined ? undefined : { name: principal.issuer };
  return principal.user ? defined({ user: principal.user, idp }) : { app_name: PRODUCT.name };
}

/** The payload, bounded: a huge one is kept as a truncated JSON string. */
function boundedPayload(payload: unknown): unknown {
  if (payload === undefined) return undefined;
  const json = JSON.stringify(payload);
  if (json === undefined || json.length <= MAX_UNMAPPED_PAYLOAD_CHARS) return payload;
  return { truncated: true, original_chars: json.length, json_prefix: json.slice(0, MAX_UNMAPPED_PAYLOAD_CHARS) };
}

/** Authentication methods Endor Labs names, as OCSF auth protocols (others: 99 Other with the name). */
const AUTH_PROTOCOLS: Readonly<Record<string, { id: number; caption: string }>> = {
  oauth: { id: 6, caption: 'OAUTH 2.0' },
  oauth2: { id: 6, caption: 'OAUTH 2.0' },
  oidc: { id: 4, caption: 'OpenID' },
  openid: { id: 4, caption: 'OpenID' },
  saml: { id: 5, caption: 'SAML' },
  ldap: { id: 12, caption: 'LDAP' },
  basic: { id: 11, caption: 'Basic Authentication' },
};

export function authProtocol(method: string | undefined): OcsfObject {
  if (method === undefined) return {};
  const key = method.toLowerCase();
  // Own entries only: `constructor` or `__proto__` is a method we do not know, not an Object.prototype member.
  if (!Object.hasOwn(AUTH_PROTOCOLS, key)) return { auth_protocol_id: 99, auth_protocol: method };
  const known = AUTH_PROTOCOLS[key]!;
  return { auth_protocol_id: known.id, auth_protocol: known.caption };
}

/** Failure if Endor Labs recorded an error or an unsuccessful login; success otherwise. */
function statusOf(log: EndorAuditLog, payload: OcsfObject | undefined): OcsfObject {
  const error = text(log.spec.error);
  if (error !== undefined) return { ...STATUS_FAILURE, status_detail: error };
  if (payload?.success === false) return { ...STATUS_FAILURE, status_detail: text(payload.failure_reason) ?? text(payload.reason) };
  return STATUS_SUCCESS;
}

/** The resource an operation acted on: kind, name and uuid, from the spec and the payload. */
function resourceOf(log: EndorAuditLog, payload: OcsfObject | undefined): OcsfObject | undefined {
  const payloadMeta = record(payload?.meta);
  const resource = defined({
    name: text(payloadMeta?.name) ?? text(payload?.name) ?? text(log.meta.name),
    uid: text(log.spec.message_uuid) ?? text(payload?.uuid),
    type: text(log.spec.message_kind) ?? text(payload?.kind),
    namespace: text(log.tenant_meta.namespace),
  });
  return resource.name !== undefined || resource.uid !== undefined ? resource : undefined;
}

function messageOf(log: EndorAuditLog, activity: EndorActivity, resource: OcsfObject | undefined): string {
  const description = text(log.meta.description);
  if (description !== undefined) return description;
  const target = resource ? ` ${String(resource.type ?? 'resource')} ${String(resource.name ?? resource.uid)}` : '';
  return `${activity.operation}${target}`;
}

/** The pivots OCSF defines for what the record names: user names (User Name) and the source address (IP Address). */
function observables(event: OcsfObject): OcsfObject[] | undefined {
  const list: OcsfObject[] = [];
  const userName = (path: string, user: unknown) => {
    const name = record(user)?.name;
    if (typeof name === 'string' && name !== UNKNOWN)
      list.push({ name: path, type: OBSERVABLE_USER_NAME.caption, type_id: OBSERVABLE_USER_NAME.id, value: name });
  };
  userName('actor.user.name', record(event.actor)?.user);
  userName('user.name', event.user);
  const ip = record(event.src_endpoint)?.ip;
  if (typeof ip === 'string') list.push({ name: 'src_endpoint.ip', type: OBSERVABLE_IP_ADDRESS.caption, type_id: OBSERVABLE_IP_ADDRESS.id, value: ip });
  return list.length > 0 ? list : undefined;
}

export function mapEndorLabsEventToOcsf(event: EndorSourceEvent): Record<string, unknown> {
  const log = event.node;
  const activity = endorActivity(log.spec.operation, log.spec.message_kind);
  const ocsfClass = ENDOR_OCSF_CLASSES[activity.classUid];
  const payload = record(log.spec.payload);
  const principal = principalOf(log);
  const address = parseRemoteAddress(text(log.spec.remote_address));
  const srcEndpoint = address ? defined({ ip: address.ip, port: address.port }) : undefined;
  const status = statusOf(log, payload);
  const isAuthentication = activity.classUid === AUTHENTICATION;
  const resource = isAuthentication ? undefined : resourceOf(log, payload);
  const time = parseRfc3339ToEpochMs(log.meta.create_time);

  const classSpecific: OcsfObject = isAuthentication
    ? defined({
        // The account that logged on: the payload's user, else the principal of the claims.
        user: userOf(text(payload?.user_id)) ?? principal.user ?? { name: UNKNOWN },
        ...authProtocol(text(payload?.authentication_method)),
        is_mfa: typeof payload?.mfa === 'boolean' ? payload.mfa : undefined,
        // A SaaS logon always comes over the network; say so only when the record has the address.
        is_remote: address ? true : undefined,
        session: text(payload?.session_id)
          ? defined({ uid: text(payload?.session_id), issuer: principal.issuer, created_time: status.status_id === 1 ? time : undefined })
          : undefined,
        // Authentication needs a service or dst_endpoint: the service logged on to is Endor Labs' API.
        service: { name: principal.audience ?? PRODUCT.name },
        src_endpoint: srcEndpoint,
      })
    : defined({
        api: defined({ operation: activity.operation, service: { name: PRODUCT.name } }),
        resources: resource ? [resource] : undefined,
        // API Activity requires src_endpoint; the record may lack an address.
        src_endpoint: srcEndpoint ?? { name: UNKNOWN },
      });

  const actor = actorOf(principal);
  return defined({
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryCaption,
    class_uid: activity.classUid,
    class_name: ocsfClass.caption,
    activity_id: activity.activityId,
    activity_name: activity.activityName,
    type_uid: activity.classUid * 100 + activity.activityId,
    // type_name is type_uid's caption, which for 99 stays "<class>: Other" (activity_name names it).
    type_name: `${ocsfClass.caption}: ${activity.activityId === 99 ? 'Other' : activity.activityName}`,
    severity_id: SEVERITY_INFORMATIONAL.id,
    severity: SEVERITY_INFORMATIONAL.caption,
    time,
    message: messageOf(log, activity, resource),
    ...status,
    metadata: defined({
      version: OCSF_VERSION,
      product: PRODUCT,
      uid: log.uuid,
      event_code: text(log.spec.operation),
      log_name: 'audit-logs',
      log_provider: PRODUCT.name,
      // Microseconds and all: `time` is its epoch-ms form.
      original_time: log.meta.create_time,
      tenant_uid: log.tenant_meta.namespace,
    }),
    actor,
    ...classSpecific,
    observables: observables({ actor, user: classSpecific.user, src_endpoint: srcEndpoint }),
    unmapped: {
      endorlabs: defined({
        namespace: log.tenant_meta.namespace,
        meta: defined({ ...log.meta, create_time: undefined }),
        message_kind: text(log.spec.message_kind),
        message_uuid: text(log.spec.message_uuid),
        claims: log.spec.claims && log.spec.claims.length > 0 ? log.spec.claims : undefined,
        remote_address: address ? undefined : text(log.spec.remote_address),
        payload: boundedPayload(log.spec.payload),
      }),
    },
  });
}
