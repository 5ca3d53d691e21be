// The Cloud Audit Logs OCSF line written directly (activities/sources/gcp-audit-logs/ocsf-line.ts, the map
// activity's path) must be byte for byte the JSON of the object mapper, which the OCSF tests check field
// by field: on random entries with odd values (unicode, quotes, control characters, missing fields, parts
// past the bound) that the client's schema lets through, and on the fake's generated history.
import { describe, expect, it } from 'vitest';
import { gcpAuditLogOcsfLine } from '../../activities/sources/gcp-audit-logs/ocsf-line';
import { mapGcpAuditLogEntryToOcsf } from '../../activities/sources/gcp-audit-logs/to-ocsf';
import { logEntrySchema, type GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';
import { sourceEvents } from '../../bench/source-records';
import { randomValues } from '../ocsf/random-values';

const LOG_NAMES = [
  'projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity',
  'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fpolicy',
  'organizations/1234567890/logs/cloudaudit.googleapis.com%2Fdata_access',
  'folders/42/logs/cloudaudit.googleapis.com%2Fsystem_event',
  'billingAccounts/0A-1B/logs/cloudaudit.googleapis.com%2Factivity',
  'no-logs-segment',
  '/logs/x',
];
const METHODS = [
  'v1.compute.instances.insert',
  'google.iam.admin.v1.CreateServiceAccountKey',
  'SetIamPolicy',
  'storage.objects.get',
  'storage.buckets.delete',
  'compute.instances.preempted',
  'x.constructor',
  'a.toString',
  'constructor',
  'x.Constructor',
  'x.__proto__',
  '__proto__',
  'x.hasOwnProperty',
  'valueOf',
  'noDots',
  'trailing.',
  '.',
  '9lives.start',
];
const SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
  '',
  'info',
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
];
const PRINCIPALS = [
  'system@google.com',
  'deployer@acme-prod.iam.gserviceaccount.com',
  'priya@acme.example',
  'serviceAccount:x@p.iam.gserviceaccount.com',
  'zoë@exämple.com',
];
const LOCATIONS = ['us-central1', 'us-central1-a', 'europe-west1-b', 'global', '', 'US', 'asia-northeast1-b-x'];

function createEntryGenerator(seed: number) {
  const r = randomValues(seed);
  const textOr = (values: readonly string[]) => (r.chance(0.7) ? r.pick(values) : r.text());
  // A record of strings: no undefined values (the schema refuses them).
  const labels = (): Record<string, string> =>
    JSON.parse(
      JSON.stringify(
        r.shuffled({
          project_id: r.maybe(0.3, () => textOr(['acme-prod'])),
          zone: r.maybe(0.6, () => textOr(LOCATIONS)),
          location: r.maybe(0.7, () => textOr(LOCATIONS)),
          region: r.maybe(0.7, () => textOr(LOCATIONS)),
          ...(r.chance(0.3) ? { [r.text()]: r.text(), [String(r.int(9))]: r.id() } : {}),
        }),
      ),
    ) as Record<string, string>;

  return (): GcpLogEntry => {
    const code = r.maybe(0.5, () => r.pick([0, 0, 3, 7, 16, 99, -1]));
    const protoPayload = r.shuffled({
      '@type': r.maybe(0.2, () => 'type.googleapis.com/google.cloud.audit.AuditLog'),
      serviceName: r.maybe(0.2, () => textOr(['compute.googleapis.com', 'storage.googleapis.com'])),
      methodName: r.maybe(0.1, () => textOr(METHODS)),
      resourceName: r.maybe(0.3, () => textOr(['projects/acme-prod/zones/us-central1-a/instances/vm-1', 'projects/_/buckets/b', 'trailing/', '/'])),
      resourceLocation: r.maybe(0.7, () => ({ currentLocations: r.maybe(0.2, () => Array.from({ length: r.int(3) }, () => textOr(LOCATIONS))) })),
      numResponseItems: r.maybe(0.8, () => (r.chance(0.5) ? String(r.int(100)) : r.int(100))),
      status: r.maybe(0.3, () =>
        r.shuffled({ code, message: r.maybe(0.5, () => r.text()), details: r.maybe(0.7, () => Array.from({ length: r.int(3) }, () => r.big())) }),
      ),
      authenticationInfo: r.maybe(0.1, () =>
        r.shuffled({
          principalEmail: r.maybe(0.3, () => textOr(PRINCIPALS)),
          principalSubject: r.maybe(0.6, () => textOr(PRINCIPALS)),
          authoritySelector: r.maybe(0.8, () => r.text()),
          serviceAccountKeyName: r.maybe(0.7, () => r.text()),
          serviceAccountDelegationInfo: r.maybe(0.8, () => Array.from({ length: r.int(3) }, () => r.big())),
        }),
      ),
      authorizationInfo: r.maybe(0.4, () =>
        Array.from({ length: r.chance(0.1) ? 25 : r.int(4) }, () =>
          r.shuffled({
            resource: r.maybe(0.3, () => r.text()),
            permission: r.maybe(0.2, () => textOr(['storage.buckets.update'])),
            granted: r.maybe(0.3, () => r.chance(0.5)),
          }),
        ),
      ),
      policyViolationInfo: r.maybe(0.9, () => r.big()),
      requestMetadata: r.maybe(0.2, () =>
        r.shuffled({
          callerIp: r.maybe(0.2, () => r.ip()),
          callerSuppliedUserAgent: r.maybe(0.3, () => r.text()),
          callerNetwork: r.maybe(0.6, () => r.text()),
          requestAttributes: r.maybe(0.5, () => r.object()),
        }),
      ),
      request: r.maybe(0.5, () => r.big()),
      response: r.maybe(0.5, () => r.big()),
      metadata: r.maybe(0.6, () => r.big()),
      serviceData: r.maybe(0.8, () => r.big()),
      ...(r.chance(0.1) ? r.object() : {}),
    });
    return r.shuffled({
      logName: textOr(LOG_NAMES),
      timestamp: r.timestamp(),
      insertId: r.chance(0.9) ? r.id(13) : r.text(),
      receiveTimestamp: r.maybe(0.2, () => r.timestamp()),
      severity: r.maybe(0.2, () => textOr(SEVERITIES)),
      resource: r.maybe(0.1, () => ({ type: r.maybe(0.2, () => textOr(['gce_instance', 'gcs_bucket'])), labels: r.maybe(0.2, labels) })),
      labels: r.maybe(0.7, labels),
      operation: r.maybe(0.7, () => ({ id: r.maybe(0.2, () => r.text()), producer: r.maybe(0.3, () => r.text()), first: r.maybe(0.5, () => true) })),
      trace: r.maybe(0.7, () => r.text()),
      spanId: r.maybe(0.7, () => r.text()),
      protoPayload: r.maybe(0.05, () => protoPayload),
      ...(r.chance(0.1) ? r.object() : {}),
    }) as GcpLogEntry;
  };
}

describe('the Cloud Audit Logs OCSF line', () => {
  it('is JSON.stringify of the mapped event for random entries, odd values included', () => {
    const generate = createEntryGenerator(9_203);
    let compared = 0;
    let failed = 0;
    for (let i = 0; i < 10_000; i++) {
      const entry = generate();
      // Only what the client's schema lets through reaches the mapper.
      if (!logEntrySchema.safeParse(entry).success) continue;
      let expected: string;
      try {
        expected = JSON.stringify(mapGcpAuditLogEntryToOcsf(entry));
      } catch (error) {
        // An entry the mapper refuses (a timestamp that is not RFC 3339) is refused the same way.
        expect(() => gcpAuditLogOcsfLine(entry)).toThrow((error as Error).message);
        failed++;
        continue;
      }
      const { line, time } = gcpAuditLogOcsfLine(entry);
      // The record in the message only when they differ: stringifying every one would be most of the test's time.
      if (line !== expected) expect(line, JSON.stringify(entry)).toBe(expected);
      expect(time).toBe(JSON.parse(expected).time);
      compared++;
    }
    expect(compared).toBeGreaterThan(7_000);
    expect(failed).toBeGreaterThan(0);
  });

  it('is JSON.stringify of the mapped event for the fake generated history', () => {
    for (const { node } of sourceEvents('gcp-audit-logs', 5_000, 3)) {
      const entry = node as GcpLogEntry;
      expect(gcpAuditLogOcsfLine(entry).line).toBe(JSON.stringify(mapGcpAuditLogEntryToOcsf(entry)));
    }
  });
});
