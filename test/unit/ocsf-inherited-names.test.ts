// Record values that name Object.prototype's members (`constructor`, `toString`, `__proto__`,
// `hasOwnProperty`) are values like any other: a lookup table answers only for its own entries, so they
// map as an unknown value does, and a `__proto__` key stays a key (as JSON.parse gives it), on both the
// object mapper and the line the map activity writes. Each event is valid OCSF 1.5.0.
import { describe, expect, it } from 'vitest';
import { endorLabsOcsfLine } from '../../activities/sources/endorlabs/ocsf-line';
import { mapEndorLabsEventToOcsf } from '../../activities/sources/endorlabs/to-ocsf';
import type { EndorAuditLog } from '../../activities/sources/endorlabs/types';
import { gcpAuditLogOcsfLine } from '../../activities/sources/gcp-audit-logs/ocsf-line';
import { mapGcpAuditLogEntryToOcsf } from '../../activities/sources/gcp-audit-logs/to-ocsf';
import type { GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { mondooOcsfLine } from '../../activities/sources/mondoo/ocsf-line';
import { mapMondooEventToOcsf } from '../../activities/sources/mondoo/to-ocsf';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import { validateOcsfEvent } from '../../lib/ocsf/validator';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary paths

const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'Constructor'];

/** The object mapper's event and the written line: the line is its JSON, byte for byte, and the event is valid OCSF. */
function bothPaths(mapped: Record<string, unknown>, line: string): Event {
  const json = JSON.stringify(mapped);
  expect(line).toBe(json);
  const event = JSON.parse(json) as Event;
  expect(validateOcsfEvent(event), json).toEqual([]);
  return event;
}

describe('Cloud Audit Logs: inherited names', () => {
  const entry = (changes: Partial<GcpLogEntry>, payload: NonNullable<GcpLogEntry['protoPayload']> = {}): GcpLogEntry => ({
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity',
    timestamp: '2024-05-01T10:00:00.123456Z',
    insertId: 'abc123',
    severity: 'NOTICE',
    protoPayload: {
      methodName: 'storage.buckets.get',
      serviceName: 'storage.googleapis.com',
      authenticationInfo: { principalEmail: 'priya@acme.example' },
      ...payload,
    },
    ...changes,
  });
  const map = (e: GcpLogEntry): Event => bothPaths(mapGcpAuditLogEntryToOcsf(e), gcpAuditLogOcsfLine(e).line);

  it.each(INHERITED)('maps severity %j as an unknown severity: 0 Unknown', (severity) => {
    const event = map(entry({ severity }));
    expect(event).toMatchObject({ severity_id: 0, severity: 'Unknown' });
    expect(map(entry({ severity: 'NO_SUCH_SEVERITY' }))).toMatchObject({ severity_id: 0, severity: 'Unknown' });
  });

  it.each(['x.constructor', 'constructor', 'x.Constructor', 'x.toString', 'x.__proto__', '__proto__', 'x.hasOwnProperty', 'valueOf'])(
    'maps method %j as an unknown verb: 99 Other, named by its last segment',
    (methodName) => {
      const event = map(entry({}, { methodName }));
      const phrase = methodName.slice(methodName.lastIndexOf('.') + 1);
      expect(event).toMatchObject({
        activity_id: 99,
        activity_name: phrase,
        type_uid: 600399,
        type_name: 'API Activity: Other',
        api: { operation: methodName },
        metadata: { event_code: methodName },
      });
    },
  );

  it('keeps `__proto__` keys of the entry as keys', () => {
    const e = JSON.parse(
      JSON.stringify(entry({ resource: { type: 'gcs_bucket', labels: { project_id: 'acme-prod' } } }, { request: { a: 1 } }))
        .replace('"project_id":"acme-prod"', '"project_id":"acme-prod","__proto__":"label"')
        .replace('"a":1', '"__proto__":{"polluted":1}'),
    ) as GcpLogEntry;
    const event = map(e);
    expect(Object.hasOwn(event.unmapped.gcp.resource_labels, '__proto__')).toBe(true);
    expect(Object.hasOwn(event.unmapped.gcp.request, '__proto__')).toBe(true);
    expect(event.unmapped.gcp.request.polluted).toBeUndefined();
  });
});

describe('Endor Labs: inherited names', () => {
  const record = (spec: Partial<EndorAuditLog['spec']>, meta: Record<string, unknown> = {}): EndorAuditLog => ({
    uuid: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    tenant_meta: { namespace: 'acme' },
    meta: { create_time: '2024-11-13T15:30:45.123456Z', name: 'event', ...meta },
    spec: { claims: [{ subject: 'user@example.com', issuer: 'endorlabs.com' }], remote_address: '203.0.113.42', ...spec },
  });
  const map = (r: EndorAuditLog): Event => {
    const event = { key: r.uuid, node: r };
    return bothPaths(mapEndorLabsEventToOcsf(event), endorLabsOcsfLine(event).line);
  };

  it.each([...INHERITED, '__PROTO__'])('maps authentication_method %j as an unknown method: 99 Other with its name', (method) => {
    const event = map(
      record({ operation: 'USER_LOGIN', message_kind: 'AuthenticationLog', payload: { user_id: 'user@example.com', authentication_method: method } }),
    );
    expect(event).toMatchObject({ class_uid: 3002, activity_id: 1, auth_protocol_id: 99, auth_protocol: method });
  });

  it('still maps the known methods', () => {
    const event = map(record({ operation: 'USER_LOGIN', payload: { authentication_method: 'OAuth' } }));
    expect(event).toMatchObject({ auth_protocol_id: 6, auth_protocol: 'OAUTH 2.0' });
  });

  it.each(INHERITED)('maps operation %j as an unknown operation: API Activity 99 Other', (operation) => {
    const event = map(record({ operation }));
    expect(event).toMatchObject({ class_uid: 6003, activity_id: 99, type_uid: 600399, type_name: 'API Activity: Other', api: { operation } });
  });

  it.each([
    ['first', '{"create_time":"2024-11-13T15:30:45.123456Z","__proto__":{"created_by":"mallory"},"name":"n"}'],
    ['later', '{"name":"n","__proto__":"text","create_time":"2024-11-13T15:30:45.123456Z","constructor":"c"}'],
    ['alone', '{"__proto__":null,"create_time":"2024-11-13T15:30:45.123456Z"}'],
  ])('keeps a `__proto__` key of meta as data (create_time %s)', (_, metaJson) => {
    const meta = JSON.parse(metaJson) as EndorAuditLog['meta'];
    const event = map({ ...record({ operation: 'OPERATION_CREATE' }), meta });
    const { create_time: _createTime, ...rest } = meta;
    const kept = event.unmapped.endorlabs.meta as Record<string, unknown>;
    expect(Object.hasOwn(kept, '__proto__')).toBe(true);
    expect(Object.keys(kept)).toEqual(Object.keys(rest));
    expect(JSON.stringify(kept)).toBe(JSON.stringify(rest));
    // Data, not a prototype: the object mapper's own meta has the key too, and nothing is inherited from it.
    const mapped = mapEndorLabsEventToOcsf({ key: 'k', node: { ...record({}), meta } }) as Event;
    const mappedMeta = mapped.unmapped.endorlabs.meta as Record<string, unknown>;
    expect(Object.getPrototypeOf(mappedMeta)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(mappedMeta, '__proto__')).toMatchObject({ enumerable: true, value: meta['__proto__' as keyof typeof meta] });
    // created_by under __proto__ names no one: the actor is the claim's subject.
    expect(mapped.actor).toMatchObject({ user: { name: 'user@example.com' } });
  });
});

describe('Mondoo: inherited names', () => {
  const ctx = { scopeMrn: '//captain.api.mondoo.app/organizations/acme' };
  const node = (action: string): MondooAuditNode => ({
    identity: { name: 'Jane Doe', mrn: '//captain.api.mondoo.app/users/u-1' },
    resource: '//captain.api.mondoo.app/spaces/s-1',
    action,
    timestamp: '2024-03-22T17:46:03Z',
    msg: null,
    ip: '192.0.2.10',
    parent: null,
  });
  const map = (action: string): Event => {
    const event = { key: 'k', node: node(action) };
    return bothPaths(mapMondooEventToOcsf(event, ctx), mondooOcsfLine(event, ctx).line);
  };

  it.each([...INHERITED, 'mondoo.constructor', 'mondoo.x.constructor', 'mondoo.__proto__', 'captain.Captain.__proto__'])(
    'maps action %j as an unknown action: API Activity 99 Other',
    (action) => {
      const event = map(action);
      const operation = action.slice(action.lastIndexOf('.') + 1);
      expect(event).toMatchObject({ class_uid: 6003, activity_id: 99, activity_name: operation, type_uid: 600399, type_name: 'API Activity: Other' });
      expect(event.api.operation).toBe(operation);
    },
  );
});
