// Cloud Audit Logs entries as OCSF 1.5.0 API Activity: every mapped event passes the schema validator,
// with the attributes the entry has data for.
import { describe, expect, it } from 'vitest';
import { apiActivityOf } from '../../activities/sources/gcp-audit-logs/ocsf-activity';
import { bounded, callerAddress, mapGcpAuditLogEntryToOcsf, MAX_UNMAPPED_PART_CHARS } from '../../activities/sources/gcp-audit-logs/to-ocsf';
import type { AuditLogType, GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { mulberry32 } from '../../sandbox/faults';
import { buildEntries, nanosOf } from '../../sandbox/gcp-logging';
import { validateOcsfEvent } from '../../lib/ocsf/validator';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary paths

function valid(entry: GcpLogEntry): Event {
  const event = mapGcpAuditLogEntryToOcsf(entry);
  expect(validateOcsfEvent(event), JSON.stringify(event)).toEqual([]);
  return event;
}

/** The documented sample entry (../shared/reference/gcp-cloud-audit-log-entries.txt), with its omitted parts filled in. */
const SAMPLE: GcpLogEntry = {
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    status: {},
    authenticationInfo: { principalEmail: 'user@example.com' },
    serviceName: 'appengine.googleapis.com',
    methodName: 'SetIamPolicy',
    authorizationInfo: [{ resource: 'apps/my-gcp-project-id', permission: 'appengine.applications.setIamPolicy', granted: true }],
    serviceData: {
      '@type': 'type.googleapis.com/google.appengine.legacy.AuditData',
      policyDelta: { bindingDeltas: [{ action: 'ADD', role: 'roles/logging.privateLogViewer', member: 'user:user@example.com' }] },
    },
    request: { resource: 'my-gcp-project-id', policy: { bindings: [] } },
    response: { bindings: [{ role: 'roles/logging.privateLogViewer', members: ['user:user@example.com'] }] },
  },
  insertId: '53179D9A9B559.AD6ACC7.B40604EF',
  resource: { type: 'gae_app', labels: { project_id: 'my-gcp-project-id' } },
  timestamp: '2019-05-27T16:24:56.135Z',
  severity: 'NOTICE',
  logName: 'projects/my-gcp-project-id/logs/cloudaudit.googleapis.com%2Factivity',
};

describe('Cloud Audit Logs → OCSF API Activity', () => {
  it('maps the documented sample entry with everything it gives', () => {
    const event = valid(SAMPLE);
    expect(event).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 3,
      activity_name: 'Update',
      type_uid: 600303,
      time: Date.parse('2019-05-27T16:24:56.135Z'),
      severity_id: 2,
      status_id: 1,
      status: 'Success',
      api: { operation: 'SetIamPolicy', service: { name: 'appengine.googleapis.com' } },
      actor: {
        user: { name: 'user@example.com', email_addr: 'user@example.com', type_id: 1 },
        authorizations: [{ decision: 'Allowed', policy: { name: 'appengine.applications.setIamPolicy' } }],
      },
      cloud: { provider: 'GCP', account: { uid: 'my-gcp-project-id', type_id: 11 }, project_uid: 'my-gcp-project-id' },
      src_endpoint: { name: 'Unknown' },
      metadata: {
        uid: '53179D9A9B559.AD6ACC7.B40604EF',
        original_time: '2019-05-27T16:24:56.135Z',
        log_name: 'projects/my-gcp-project-id/logs/cloudaudit.googleapis.com%2Factivity',
        tenant_uid: 'projects/my-gcp-project-id',
        product: { name: 'Cloud Audit Logs', vendor_name: 'Google' },
      },
    });
    expect(event.unmapped.gcp.service_data.policyDelta.bindingDeltas[0].role).toBe('roles/logging.privateLogViewer');
    expect(event.unmapped.gcp.request).toEqual(SAMPLE.protoPayload!.request);
  });

  it('takes the activity from the verb of the method name', () => {
    expect(apiActivityOf('v1.compute.instances.insert')).toEqual({ activityId: 1, activityName: 'Create' });
    expect(apiActivityOf('google.iam.admin.v1.CreateServiceAccountKey').activityId).toBe(1);
    expect(apiActivityOf('storage.objects.get').activityId).toBe(2);
    expect(apiActivityOf('storage.buckets.list').activityId).toBe(2);
    expect(apiActivityOf('google.longrunning.Operations.GetOperation').activityId).toBe(2);
    expect(apiActivityOf('v1.compute.firewalls.patch').activityId).toBe(3);
    expect(apiActivityOf('storage.setIamPermissions').activityId).toBe(3);
    expect(apiActivityOf('io.k8s.core.v1.pods.update').activityId).toBe(3);
    expect(apiActivityOf('beta.compute.instances.delete').activityId).toBe(4);
    expect(apiActivityOf('google.iam.admin.v1.DeleteServiceAccount').activityId).toBe(4);
    // Not a verb we know, nor one that only starts like it: 99 with the method's own name.
    expect(apiActivityOf('compute.instances.migrateOnHostMaintenance')).toEqual({ activityId: 99, activityName: 'migrateOnHostMaintenance' });
    expect(apiActivityOf('storage.objects.getter')).toEqual({ activityId: 99, activityName: 'getter' });
    expect(apiActivityOf('google.cloud.Settings.Settle').activityId).toBe(99);
    expect(apiActivityOf(undefined)).toEqual({ activityId: 99, activityName: 'Other' });
  });

  it('fails on a status code, with the code and its message; success without one or with 0', () => {
    const failed = valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, status: { code: 7, message: 'caller lacks permission' } } });
    expect(failed).toMatchObject({
      status_id: 2,
      status: 'Failure',
      status_code: '7',
      status_detail: 'caller lacks permission',
      api: { response: { code: 7, error: 'PERMISSION_DENIED' } },
    });
    const bare = valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, status: { code: 5 } } });
    expect(bare).toMatchObject({ status_id: 2, status_code: '5', status_detail: 'NOT_FOUND' });
    expect(valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, status: { code: 0 } } }).status_id).toBe(1);
    const { status: _status, ...noStatus } = SAMPLE.protoPayload!;
    expect(valid({ ...SAMPLE, protoPayload: noStatus }).status_id).toBe(1);
  });

  it('marks every Policy Denied entry as a failure', () => {
    const denied = valid({
      ...SAMPLE,
      logName: 'projects/my-gcp-project-id/logs/cloudaudit.googleapis.com%2Fpolicy',
      protoPayload: { ...SAMPLE.protoPayload, status: {} },
    });
    expect(denied).toMatchObject({ status_id: 2, status: 'Failure', status_detail: 'Denied by policy' });
  });

  it('sets src_endpoint.ip only for an address; private and gce-internal-ip are kept in unmapped', () => {
    const at = (callerIp: string, extra: Record<string, string> = {}) =>
      valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, requestMetadata: { callerIp, callerSuppliedUserAgent: 'gcloud/471.0.0', ...extra } } });
    const v4 = at('203.0.113.7');
    expect(v4.src_endpoint).toEqual({ ip: '203.0.113.7' });
    expect(v4.http_request).toEqual({ user_agent: 'gcloud/471.0.0' });
    expect(v4.observables).toContainEqual({ name: 'src_endpoint.ip', type: 'IP Address', type_id: 2, value: '203.0.113.7' });
    expect(at('2001:db8::1').src_endpoint).toEqual({ ip: '2001:db8::1' });
    const internal = at('gce-internal-ip', { callerNetwork: '//compute.googleapis.com/projects/p/global/networks/__unknown__' });
    expect(internal.src_endpoint).toEqual({ name: 'Unknown', vpc_uid: '//compute.googleapis.com/projects/p/global/networks/__unknown__' });
    expect(internal.unmapped.gcp.caller_ip).toBe('gce-internal-ip');
    expect(at('private').src_endpoint).toEqual({ name: 'Unknown' });
    expect(callerAddress('private')).toBeUndefined();
    expect(callerAddress('999.1.1.1')).toBeUndefined();
  });

  it('maps a redacted principal to an unknown user, and a service account with its key as credential', () => {
    const redacted = valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, authenticationInfo: {} } });
    expect(redacted.actor.user).toEqual({ name: 'Unknown', type_id: 0, type: 'Unknown' });
    expect(redacted.observables).toBeUndefined();
    const key = '//iam.googleapis.com/projects/p/serviceAccounts/deployer@p.iam.gserviceaccount.com/keys/abc';
    const sa = valid({
      ...SAMPLE,
      protoPayload: {
        ...SAMPLE.protoPayload,
        authenticationInfo: {
          principalEmail: 'deployer@p.iam.gserviceaccount.com',
          principalSubject: 'serviceAccount:deployer@p.iam.gserviceaccount.com',
          serviceAccountKeyName: key,
        },
      },
    });
    expect(sa.actor.user).toMatchObject({
      name: 'deployer@p.iam.gserviceaccount.com',
      uid: 'serviceAccount:deployer@p.iam.gserviceaccount.com',
      type_id: 99,
      credential_uid: key,
    });
  });

  it('keeps nanoseconds in original_time, ms in time, and links long-running operations', () => {
    const event = valid({
      ...SAMPLE,
      timestamp: '2026-11-30T12:00:00.123456789Z',
      receiveTimestamp: '2026-11-30T12:04:00.5Z',
      operation: { id: 'operation-1', producer: 'compute.googleapis.com', first: true },
    });
    expect(event.time).toBe(Date.parse('2026-11-30T12:00:00.123Z'));
    expect(event.metadata).toMatchObject({
      original_time: '2026-11-30T12:00:00.123456789Z',
      logged_time: Date.parse('2026-11-30T12:04:00.500Z'),
      correlation_uid: 'operation-1',
    });
  });

  it('takes region and zone from the resource location, and an organization from the log name', () => {
    const zoned = valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, resourceLocation: { currentLocations: ['europe-west1-b'] } } });
    expect(zoned.cloud).toMatchObject({ region: 'europe-west1', zone: 'europe-west1-b' });
    const org = valid({
      ...SAMPLE,
      resource: { type: 'organization', labels: { organization_id: '123456789012' } },
      logName: 'organizations/123456789012/logs/cloudaudit.googleapis.com%2Factivity',
    });
    expect(org.cloud).toEqual({ provider: 'GCP', org: { uid: '123456789012' } });
    expect(org.metadata.tenant_uid).toBe('organizations/123456789012');
  });

  it('bounds large request, response and metadata parts', () => {
    const huge = { blob: 'x'.repeat(MAX_UNMAPPED_PART_CHARS * 3) };
    const event = valid({ ...SAMPLE, protoPayload: { ...SAMPLE.protoPayload, request: huge, response: huge, metadata: huge } });
    for (const part of ['request', 'response', 'metadata']) {
      expect(event.unmapped.gcp[part]).toMatchObject({ truncated: true, original_chars: JSON.stringify(huge).length });
    }
    expect(JSON.stringify(event).length).toBeLessThan(MAX_UNMAPPED_PART_CHARS * 4 + 4096);
    expect(bounded({ a: 1 })).toEqual({ a: 1 });
  });

  it('maps thousands of generated entries of every log type to valid, deterministic OCSF', () => {
    const rand = mulberry32(7);
    const types: AuditLogType[] = ['activity', 'data_access', 'system_event', 'policy'];
    const resources = ['projects/my-project', 'folders/1234567', 'organizations/123456789012', 'billingAccounts/01ABCD-23EF45-67AB89'];
    let nanos = nanosOf('2026-11-30T00:00:00Z');
    const seen = { activities: new Set<number>(), failures: 0, addresses: 0, redacted: 0, lro: 0 };
    for (let i = 0; i < 2000; i++) {
      nanos += 333_333_333n;
      for (const entry of buildEntries(rand, types[i % 4]!, { resourceName: resources[i % resources.length]!, nanos })) {
        const event = valid(entry);
        expect(JSON.stringify(mapGcpAuditLogEntryToOcsf(entry))).toBe(JSON.stringify(event));
        expect(event.metadata.uid).toBe(entry.insertId);
        expect(event.api.operation).toBe(entry.protoPayload!.methodName);
        seen.activities.add(event.activity_id);
        if (event.status_id === 2) seen.failures++;
        if (event.src_endpoint.ip) seen.addresses++;
        if (event.actor.user.name === 'Unknown') seen.redacted++;
        if (event.metadata.correlation_uid) seen.lro++;
      }
    }
    // The generator covers what the mapping distinguishes.
    expect([...seen.activities].sort()).toEqual([1, 2, 3, 4, 99]);
    expect(Math.min(seen.failures, seen.addresses, seen.redacted, seen.lro)).toBeGreaterThan(20);
  });
});
