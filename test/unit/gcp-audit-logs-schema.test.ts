// The Cloud Audit Logs source config as the API validates it: resource names, log types, the user's
// filter, the credentials shared with GCS (write-only), the view and the scope slug.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createIntegrationSchema } from '../../api/schemas/integration';
import { gcpAuditLogsScope, gcpAuditLogsSourceSchema, gcpAuditLogsSourceView } from '../../activities/sources/gcp-audit-logs/schema';
import { sourceConnector } from '../../activities/sources/registry';
import { writeOnlyPaths } from '../../lib/write-only-fields';

const valid = { type: 'gcp-audit-logs', resourceNames: ['projects/my-project'] };
const problems = (source: unknown) => {
  const result = gcpAuditLogsSourceSchema.safeParse(source);
  expect(result.success).toBe(false);
  return z.prettifyError(result.error!);
};

describe('Cloud Audit Logs source schema', () => {
  it('defaults the log types (Data Access is opt-in) and the endpoint', () => {
    expect(gcpAuditLogsSourceSchema.parse(valid)).toEqual({
      ...valid,
      logTypes: ['activity', 'system_event', 'policy'],
      endpoint: 'https://logging.googleapis.com',
    });
  });

  it('accepts the four kinds of resource names, 1 to 100 of them, each once', () => {
    const names = ['projects/my-project', 'folders/123456789', 'organizations/123456789012', 'billingAccounts/01ABCD-23EF45-67AB89'];
    expect(gcpAuditLogsSourceSchema.parse({ ...valid, resourceNames: names }).resourceNames).toEqual(names);
    const hundred = Array.from({ length: 100 }, (_, i) => `folders/${i + 1}`);
    expect(gcpAuditLogsSourceSchema.safeParse({ ...valid, resourceNames: hundred }).success).toBe(true);
    expect(problems({ ...valid, resourceNames: [...hundred, 'folders/999'] })).toMatch(/at most 100/);
    expect(problems({ ...valid, resourceNames: [] })).toMatch(/at least one/);
    expect(problems({ ...valid, resourceNames: ['folders/1', 'folders/1'] })).toMatch(/each resource once/);
  });

  it.each([
    'project/my-project',
    'projects/My-Project',
    'projects/abc',
    'projects/my-project/logs/x',
    'folders/abc',
    'organizations/',
    'billingAccounts/01abcd-23ef45-67ab89',
    'projects/my project',
  ])('rejects resource name %j with the rule', (name) => {
    expect(problems({ ...valid, resourceNames: [name] })).toMatch(/projects\/<project-id>, folders\/<number>/);
  });

  it('takes the four log types, each once', () => {
    expect(gcpAuditLogsSourceSchema.parse({ ...valid, logTypes: ['data_access'] }).logTypes).toEqual(['data_access']);
    expect(problems({ ...valid, logTypes: ['admin'] })).toMatch(/activity, data_access, system_event, policy/);
    expect(problems({ ...valid, logTypes: [] })).toMatch(/at least one/);
    expect(problems({ ...valid, logTypes: ['policy', 'policy'] })).toMatch(/each log once/);
  });

  it('bounds the filter and refuses one that could widen the query', () => {
    expect(gcpAuditLogsSourceSchema.parse({ ...valid, filter: 'protoPayload.serviceName="iam.googleapis.com"' }).filter).toBe(
      'protoPayload.serviceName="iam.googleapis.com"',
    );
    expect(problems({ ...valid, filter: 'severity>=ERROR) OR (true' })).toMatch(/filter has a "\)" without its "\("/);
    expect(problems({ ...valid, filter: 'x'.repeat(4001) })).toMatch(/at most 4000/);
    expect(problems({ ...valid, filter: '' })).toMatch(/omit it/);
  });

  it("takes the GCS destination credentials, the key write-only and sealed like the destination's", () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = JSON.stringify({ type: 'service_account', client_email: 'r@p.iam.gserviceaccount.com', private_key: pem });
    expect(gcpAuditLogsSourceSchema.safeParse({ ...valid, credentials: { serviceAccountJson: key } }).success).toBe(true);
    expect(problems({ ...valid, credentials: { serviceAccountJson: '{"nope":1}' } })).toMatch(/service-account key file/);
    expect(problems({ ...valid, credentials: { token: 'x' } })).toMatch(/exactly one of/);
    expect(writeOnlyPaths(createIntegrationSchema)).toContain('source.credentials.serviceAccountJson');
    const wif = {
      wifAudience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/auditflow',
      wifServiceAccountEmail: 'r@p.iam.gserviceaccount.com',
    };
    const view = gcpAuditLogsSourceView(gcpAuditLogsSourceSchema.parse({ ...valid, credentials: wif }));
    expect(view).toMatchObject({ auth: 'workloadIdentityFederation', ...wif });
    const keyed = gcpAuditLogsSourceView(gcpAuditLogsSourceSchema.parse({ ...valid, credentials: { serviceAccountJson: key } }));
    expect(JSON.stringify(keyed)).not.toContain('PRIVATE KEY');
    expect(keyed.auth).toBe('serviceAccountKey');
    expect(gcpAuditLogsSourceView(gcpAuditLogsSourceSchema.parse(valid)).auth).toBe('ambient');
  });

  it('names the scope after one resource, or the count and a hash of the sorted list', () => {
    expect(gcpAuditLogsScope(['projects/my-project'])).toEqual({ scopeSlug: 'gcp-projects-my-project', scopeId: 'projects/my-project' });
    expect(gcpAuditLogsScope(['billingAccounts/01ABCD-23EF45-67AB89']).scopeSlug).toBe('gcp-billingaccounts-01abcd-23ef45-67ab89');
    const names = ['projects/my-project', 'organizations/123456789012'];
    const digest = createHash('sha256')
      .update([...names].sort().join('\n'))
      .digest('hex')
      .slice(0, 8);
    expect(gcpAuditLogsScope(names).scopeSlug).toBe(`gcp-2-resources-${digest}`);
    expect(gcpAuditLogsScope([...names].reverse()).scopeSlug).toBe(`gcp-2-resources-${digest}`);
  });

  it('is registered, with the 10-minute late-arrival window of Cloud Logging', () => {
    const connector = sourceConnector('gcp-audit-logs');
    expect(connector.lateArrivalSeconds).toBe(600);
    expect(createIntegrationSchema.safeParse({ name: 'n', source: valid, destination: { type: 'gcs', bucket: 'my-bucket' } }).success).toBe(true);
  });
});
