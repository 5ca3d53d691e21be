// Endor Labs audit logs as OCSF 1.5.0: every mapped event passes the schema validator, with the
// recommended attributes the record has data for.
import { describe, expect, it } from 'vitest';
import { endorActivity, humanize } from '../../activities/sources/endorlabs/ocsf-activities';
import { mapEndorLabsEventToOcsf, MAX_UNMAPPED_PAYLOAD_CHARS, parseRemoteAddress } from '../../activities/sources/endorlabs/to-ocsf';
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { mulberry32 } from '../../sandbox/faults';
import { buildAuditLog, loginRecord, operationRecord } from '../../sandbox/endorlabs';
import { loadOcsfSchema, validateOcsfEvent } from '../../lib/ocsf/validator';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary paths

const map = (record: EndorAuditLog): Event => mapEndorLabsEventToOcsf({ key: record.uuid, node: record });
function valid(record: EndorAuditLog): Event {
  const event = map(record);
  expect(validateOcsfEvent(event), JSON.stringify(event)).toEqual([]);
  return event;
}

/** The sample record of Monad's Endor Labs documentation (../shared/reference), verbatim. */
const SAMPLE: EndorAuditLog = {
  uuid: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  tenant_meta: { namespace: 'your-org' },
  meta: {
    create_time: '2024-11-13T15:30:45.123456Z',
    update_time: '2024-11-13T15:30:45.123456Z',
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
    payload: { user_id: 'user@example.com', authentication_method: 'oauth', session_id: 'sess_1234567890abcdef', success: true },
    claims: [{ subject: 'user@example.com', issuer: 'endorlabs.com', audience: 'api.endorlabs.com' }],
    remote_address: '203.0.113.42',
  },
};

describe('Endor Labs → OCSF: authentication', () => {
  it('maps the documented sample login to 3002 Authentication / Logon with everything the record gives', () => {
    const event = valid(SAMPLE);
    expect(event).toMatchObject({
      class_uid: 3002,
      class_name: 'Authentication',
      category_uid: 3,
      activity_id: 1,
      activity_name: 'Logon',
      type_uid: 300201,
      time: Date.parse('2024-11-13T15:30:45.123Z'),
      status_id: 1,
      status: 'Success',
      message: 'User authentication event',
      user: { name: 'user@example.com', email_addr: 'user@example.com' },
      actor: { user: { name: 'user@example.com' }, idp: { name: 'endorlabs.com' } },
      src_endpoint: { ip: '203.0.113.42' },
      auth_protocol_id: 6,
      auth_protocol: 'OAUTH 2.0',
      is_remote: true,
      session: { uid: 'sess_1234567890abcdef', issuer: 'endorlabs.com' },
      service: { name: 'api.endorlabs.com' },
      metadata: {
        version: '1.5.0',
        product: { name: 'Endor Labs', vendor_name: 'Endor Labs' },
        uid: SAMPLE.uuid,
        event_code: 'USER_LOGIN',
        original_time: '2024-11-13T15:30:45.123456Z',
        tenant_uid: 'your-org',
        log_provider: 'Endor Labs',
      },
    });
    expect(Number.isInteger(event.time)).toBe(true);
    expect(event.observables).toEqual([
      { name: 'actor.user.name', type: 'User Name', type_id: 4, value: 'user@example.com' },
      { name: 'user.name', type: 'User Name', type_id: 4, value: 'user@example.com' },
      { name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '203.0.113.42' },
    ]);
    expect(event.unmapped.endorlabs).toMatchObject({ message_kind: 'AuthenticationLog', payload: SAMPLE.spec.payload });
  });

  it('a failed login is a Failure with the reason; a logout is Logoff', () => {
    const failed = valid(loginRecord('2026-11-20T10:00:00.000001Z', { success: false }));
    expect(failed).toMatchObject({ class_uid: 3002, status_id: 2, status: 'Failure', status_detail: 'authentication failed' });
    expect(failed.session.created_time).toBeUndefined();
    const logout = valid({ ...SAMPLE, spec: { ...SAMPLE.spec, operation: 'USER_LOGOUT' } });
    expect(logout).toMatchObject({ class_uid: 3002, activity_id: 2, activity_name: 'Logoff' });
  });

  it('without a payload user or claims the logon still names a user, and no address means no src_endpoint', () => {
    const bare = valid({ ...SAMPLE, spec: { operation: 'USER_LOGIN', message_kind: 'AuthenticationLog' } });
    expect(bare.user).toEqual({ name: 'Unknown' });
    expect(bare.actor).toEqual({ app_name: 'Endor Labs' });
    expect(bare.src_endpoint).toBeUndefined();
    expect(bare.auth_protocol_id).toBeUndefined();
  });
});

describe('Endor Labs → OCSF: resource operations', () => {
  it.each([
    ['OPERATION_CREATE', 1, 'Create'],
    ['OPERATION_UPDATE', 3, 'Update'],
    ['OPERATION_UPSERT', 3, 'Update'],
    ['OPERATION_DELETE', 4, 'Delete'],
    ['OPERATION_UNSPECIFIED', 99, 'Unspecified'],
    ['POLICY_EVALUATE', 99, 'Policy Evaluate'],
  ])('%s → 6003 API Activity %i %s', (operation, activityId, activityName) => {
    const event = valid(operationRecord('2026-11-20T10:00:00.654321Z', operation));
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: activityId,
      activity_name: activityName,
      type_uid: 600300 + activityId,
      type_name: activityId === 99 ? 'API Activity: Other' : `API Activity: ${activityName}`,
      api: { operation, service: { name: 'Endor Labs' } },
      resources: [{ type: 'Project', name: 'acme/backend', uid: '0d7c1a52-8d2e-4c8a-9f50-3f1c2b7e9a11', namespace: 'your-org' }],
      actor: { user: { name: 'jane@acme.example', email_addr: 'jane@acme.example' } },
      src_endpoint: { ip: '198.51.100.7' },
      status_id: 1,
      metadata: { uid: expect.any(String), original_time: '2026-11-20T10:00:00.654321Z', tenant_uid: 'your-org' },
    });
  });

  it('spec.error makes it a Failure with the message', () => {
    const event = valid(operationRecord('2026-11-20T10:00:00Z', 'OPERATION_DELETE', { error: 'rpc error: code = PermissionDenied desc = permission denied' }));
    expect(event).toMatchObject({ status_id: 2, status: 'Failure', status_detail: 'rpc error: code = PermissionDenied desc = permission denied' });
  });

  it('keeps an address OCSF cannot hold in unmapped, and reads host:port forms', () => {
    expect(parseRemoteAddress('203.0.113.42:51234')).toEqual({ ip: '203.0.113.42', port: 51234 });
    expect(parseRemoteAddress('[2001:db8::1]:443')).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(parseRemoteAddress('2001:db8::1')).toEqual({ ip: '2001:db8::1' });
    expect(parseRemoteAddress('proxy.internal')).toBeUndefined();
    const record = operationRecord('2026-11-20T10:00:00Z', 'OPERATION_CREATE');
    const event = valid({ ...record, spec: { ...record.spec, remote_address: 'proxy.internal' } });
    expect(event.src_endpoint).toEqual({ name: 'Unknown' });
    expect(event.unmapped.endorlabs.remote_address).toBe('proxy.internal');
  });

  it('bounds a huge payload in unmapped', () => {
    const record = operationRecord('2026-11-20T10:00:00Z', 'OPERATION_UPDATE');
    const event = valid({ ...record, spec: { ...record.spec, payload: { blob: 'x'.repeat(100_000) } } });
    expect(event.unmapped.endorlabs.payload).toMatchObject({ truncated: true, original_chars: 100_011 });
    expect(JSON.stringify(event).length).toBeLessThan(MAX_UNMAPPED_PAYLOAD_CHARS + 4_000);
  });
});

/** Recommended attributes of the event's class (and of its metadata) that the event leaves out. */
function missingRecommended(event: Event): string[] {
  const schema = loadOcsfSchema();
  const cls = schema.classes.get(event.class_uid)!;
  const metadata = schema.objects.get('metadata')!;
  const missing = (object: { attributes: ReadonlyMap<string, { name: string; requirement: string; profile: string | null }> }, value: Event, prefix: string) =>
    [...object.attributes.values()]
      .filter((a) => a.requirement === 'recommended' && a.profile === null && value[a.name] === undefined)
      .map((a) => prefix + a.name);
  return [...missing(cls, event, ''), ...missing(metadata, event.metadata, 'metadata.')].sort();
}

describe('Endor Labs → OCSF: recommended attributes', () => {
  it('leaves out only what an Endor Labs record has no data for', () => {
    // No source data: status_code
    // (the record has no code), timezone_offset (create_time is UTC; the actor's zone is unknown),
    // certificate, dst_endpoint (no address of the API side), is_mfa and logon_type (not recorded).
    expect(missingRecommended(map(SAMPLE))).toEqual(
      ['certificate', 'dst_endpoint', 'is_mfa', 'logon_type', 'logon_type_id', 'status_code', 'status_detail', 'timezone_offset'].sort(),
    );
    // API Activity: no HTTP request/response or API-side endpoint is recorded.
    const failed = map(operationRecord('2026-11-20T10:00:00Z', 'OPERATION_CREATE', { error: 'denied' }));
    expect(missingRecommended(failed)).toEqual(['dst_endpoint', 'http_request', 'http_response', 'status_code', 'timezone_offset']);
  });
});

describe('Endor Labs → OCSF: every record', () => {
  it('maps 2,000 generated records to valid OCSF, deterministically, in both classes', () => {
    const rand = mulberry32(99);
    const classes = new Set<number>();
    const statuses = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const record = buildAuditLog(rand, { namespace: 'acme.prod', createMicros: 1_795_000_000_000_000 + i * 123_457 });
      const event = valid(record);
      expect(JSON.stringify(map(record))).toBe(JSON.stringify(event));
      classes.add(event.class_uid);
      statuses.add(event.status_id);
    }
    expect([...classes].sort()).toEqual([3002, 6003]);
    expect([...statuses].sort()).toEqual([1, 2]);
  });

  it('classifies operations: authentication by message kind or operation name, the rest as API Activity', () => {
    expect(endorActivity('SOMETHING', 'AuthenticationLog')).toMatchObject({ classUid: 3002, activityId: 1 });
    expect(endorActivity('API_KEY_LOGIN', undefined)).toMatchObject({ classUid: 3002, activityId: 1 });
    expect(endorActivity(undefined, 'Project')).toMatchObject({
      classUid: 6003,
      activityId: 99,
      activityName: 'Unspecified',
      operation: 'OPERATION_UNSPECIFIED',
    });
    expect(humanize('')).toBe('Other');
  });
});
