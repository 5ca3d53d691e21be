// What generated Endor Labs audit logs look like: logins (USER_LOGIN, some failing), API-key and
// resource operations (OPERATION_CREATE/UPDATE/DELETE/UPSERT/UNSPECIFIED) on the kinds an Endor Labs
// tenant has, API errors, IPv4/IPv6 and missing remote addresses, claims from several issuers.
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { formatMicros } from './time';

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** A v4-shaped UUID from the PRNG: stable for a seed, so generated histories are reproducible. */
export function uuidFrom(rand: Rand): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const PEOPLE = ['jane@acme.example', 'john.smith@acme.example', 'zoë.lefèvre@acme.example', 'priya@acme.example', 'ci-bot@acme.example'];
const ADDRESSES = ['203.0.113.42', '198.51.100.7', '2001:db8::17', '192.0.2.200'];
const AUTH_METHODS = ['oauth', 'saml', 'email', 'api-key', 'github'];
const RESOURCE_KINDS = ['Project', 'Policy', 'APIKey', 'Namespace', 'Repository', 'Notification', 'AuthorizationPolicy', 'ScanProfile'];
const OPERATIONS = ['OPERATION_CREATE', 'OPERATION_UPDATE', 'OPERATION_DELETE', 'OPERATION_UPSERT', 'OPERATION_UNSPECIFIED'];
const ERRORS = ['rpc error: code = PermissionDenied desc = permission denied', 'rpc error: code = InvalidArgument desc = invalid policy rule'];

export interface RecordContext {
  namespace: string;
  createMicros: number;
}

/** One audit log like Endor Labs writes them: about one in five is an authentication event. */
export function buildAuditLog(rand: Rand, ctx: RecordContext): EndorAuditLog {
  const time = formatMicros(ctx.createMicros);
  const person = pick(rand, PEOPLE);
  const address = rand() < 0.1 ? undefined : pick(rand, ADDRESSES);
  const claims = [{ subject: person, issuer: rand() < 0.5 ? 'endorlabs.com' : 'https://accounts.google.com', audience: 'api.endorlabs.com' }];
  const uuid = uuidFrom(rand);
  const meta = { create_time: time, update_time: time, kind: 'AuditLog', version: 'v1', created_by: 'system', updated_by: 'system' };
  if (rand() < 0.2) {
    const success = rand() < 0.85;
    return {
      uuid,
      tenant_meta: { namespace: ctx.namespace },
      meta: { ...meta, name: 'user_login_event', description: 'User authentication event' },
      spec: {
        message_uuid: uuidFrom(rand),
        message_kind: 'AuthenticationLog',
        operation: 'USER_LOGIN',
        payload: { user_id: person, authentication_method: pick(rand, AUTH_METHODS), session_id: `sess_${uuid.slice(0, 16)}`, success },
        claims,
        ...(address === undefined ? {} : { remote_address: address }),
        ...(success ? {} : { error: 'authentication failed: invalid credentials' }),
      },
    };
  }
  const kind = pick(rand, RESOURCE_KINDS);
  const operation = pick(rand, OPERATIONS);
  const failed = rand() < 0.05;
  return {
    uuid,
    tenant_meta: { namespace: ctx.namespace },
    meta: { ...meta, name: `${kind.toLowerCase()}-${Math.floor(rand() * 1000)}`, description: `${operation} ${kind}`, created_by: person },
    spec: {
      message_uuid: uuidFrom(rand),
      message_kind: kind,
      operation,
      payload: { kind, name: `${kind.toLowerCase()}-${Math.floor(rand() * 1000)}`, uuid: uuidFrom(rand), ...(rand() < 0.3 ? { note: 'änderung ✅' } : {}) },
      claims,
      ...(address === undefined ? {} : { remote_address: address }),
      ...(failed ? { error: pick(rand, ERRORS) } : {}),
    },
  };
}

/** A login, for tests that follow individual events: the sample record of Monad's documentation, re-timed. */
export function loginRecord(createTime: string, overrides: { uuid?: string; namespace?: string; success?: boolean } = {}): EndorAuditLog {
  const success = overrides.success ?? true;
  return {
    uuid: overrides.uuid ?? crypto.randomUUID(),
    tenant_meta: { namespace: overrides.namespace ?? 'your-org' },
    meta: {
      create_time: createTime,
      update_time: createTime,
      name: 'user_login_event',
      kind: 'AuditLog',
      version: 'v1',
      description: 'User authentication event',
      created_by: 'system',
      updated_by: 'system',
    },
    spec: {
      message_uuid: 'f1e2d3c4-b5a6-9870-fedc-ba0987654321',
      message_kind: 'AuthenticationLog',
      operation: 'USER_LOGIN',
      payload: { user_id: 'user@example.com', authentication_method: 'oauth', session_id: 'sess_1234567890abcdef', success },
      claims: [{ subject: 'user@example.com', issuer: 'endorlabs.com', audience: 'api.endorlabs.com' }],
      remote_address: '203.0.113.42',
      ...(success ? {} : { error: 'authentication failed' }),
    },
  };
}

/** A resource operation, for tests that follow individual events. */
export function operationRecord(
  createTime: string,
  operation: string,
  overrides: { uuid?: string; namespace?: string; kind?: string; error?: string } = {},
): EndorAuditLog {
  const kind = overrides.kind ?? 'Project';
  return {
    uuid: overrides.uuid ?? crypto.randomUUID(),
    tenant_meta: { namespace: overrides.namespace ?? 'your-org' },
    meta: {
      create_time: createTime,
      update_time: createTime,
      name: 'acme/backend',
      kind: 'AuditLog',
      version: 'v1',
      created_by: 'jane@acme.example',
      updated_by: 'jane@acme.example',
    },
    spec: {
      message_uuid: '0d7c1a52-8d2e-4c8a-9f50-3f1c2b7e9a11',
      message_kind: kind,
      operation,
      payload: { kind, name: 'acme/backend', uuid: '65f1a2b3c4d5e6f7a8b9c0d1' },
      claims: [{ subject: 'jane@acme.example', issuer: 'endorlabs.com', audience: 'api.endorlabs.com' }],
      remote_address: '198.51.100.7',
      ...(overrides.error === undefined ? {} : { error: overrides.error }),
    },
  };
}
