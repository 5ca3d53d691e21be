// What the API refuses, and how: every bad input is a 400 (or 401/413) in one error shape and starts
// nothing. No worker here: nothing in this file should ever run an export.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../../api/schemas/integration';
import { executionsOnQueue, FAKE_SERVICE_ACCOUNT_JSON, integrationBody, startApiHarness, waitFor, type ApiHarness } from '../helpers/api';

type Body = ReturnType<typeof integrationBody>;
type Case = [name: string, change: (body: Body) => unknown, path: string];

const without = <T extends object>(object: T, key: keyof T) => {
  const copy = { ...object };
  delete copy[key];
  return copy;
};
const withSource = (patch: Record<string, unknown>) => (b: Body) => ({ ...b, source: { ...b.source, ...patch } });
const withDestination = (patch: Record<string, unknown>) => (b: Body) => ({ ...b, destination: { ...b.destination, ...patch } });
const withCredentials = (credentials: unknown) => withDestination({ credentials });
const bucket = (name: string) => withDestination({ bucket: name });
const withFilters = (filters: unknown) => (b: Body) => ({ ...b, filters });
const ENDOR_SOURCE = { type: 'endorlabs', namespace: 'acme', apiKey: 'endor-key', apiSecret: 'endor-secret' };
const GCP_SOURCE = { type: 'gcp-audit-logs', resourceNames: ['projects/my-project'] };
/** A schedule instead of the interval. */
const withSchedule = (schedule: unknown) => (b: Body) => ({ ...without(b, 'intervalMinutes'), schedule });
/** An S3 destination that is valid but for `patch`. */
const s3 = (patch: Record<string, unknown>) => (b: Body) => ({
  ...b,
  destination: {
    type: 's3',
    bucket: 'valid-bucket',
    region: 'eu-west-1',
    prefix: 'mondoo/',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's3-secret-that-must-stay-secret' },
    ...patch,
  },
});
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
/** An Azure Blob destination that is valid but for `patch`. */
const azure = (patch: Record<string, unknown>) => (b: Body) => ({
  ...b,
  destination: {
    type: 'azure-blob',
    accountName: 'myaccount',
    container: 'audit-logs',
    prefix: 'mondoo/',
    credentials: { tenantId: TENANT, clientId: CLIENT, clientSecret: 'azure-secret-that-must-stay-secret' },
    ...patch,
  },
});
/** A SAS query string as Azure issues it, with permissions `sp`. */
const sas = (sp: string) => `sv=2025-05-05&se=2027-01-01T00%3A00%3A00Z&sr=c&sp=${sp}&sig=azure-secret-that-must-stay-secret`;

const BAD_INPUTS: Case[] = [
  ['no name', (b) => without(b, 'name'), 'name'],
  ['empty name', (b) => ({ ...b, name: '' }), 'name'],
  ['blank name', (b) => ({ ...b, name: '   ' }), 'name'],
  ['name of 201 characters', (b) => ({ ...b, name: 'n'.repeat(201) }), 'name'],
  ['name that is a number', (b) => ({ ...b, name: 42 }), 'name'],
  ['unknown source type', withSource({ type: 'okta' }), 'source.type'],
  ['no source', (b) => without(b, 'source'), 'source'],
  ['user scope MRN', withSource({ scopeMrn: '//captain.api.mondoo.app/users/jane' }), 'source.scopeMrn'],
  ['scope MRN with a path in the id', withSource({ scopeMrn: '//captain.api.mondoo.app/spaces/a/../b' }), 'source.scopeMrn'],
  ['platform MRN with a suffix', withSource({ scopeMrn: '//platform.api.mondoo.app/x' }), 'source.scopeMrn'],
  ['ftp endpoint', withSource({ endpoint: 'ftp://us.api.mondoo.com/query' }), 'source.endpoint'],
  ['endpoint that is no URL', withSource({ endpoint: 'us.api.mondoo.com' }), 'source.endpoint'],
  ['endpoint with a password', withSource({ endpoint: 'https://user:pw@us.api.mondoo.com/query' }), 'source.endpoint'],
  ['empty token', withSource({ token: '' }), 'source.token'],
  ['no token', (b) => ({ ...b, source: without(b.source, 'token') }), 'source.token'],
  ['unknown source field', withSource({ region: 'eu' }), 'source.region'],
  ['unknown destination type', withDestination({ type: 'hdfs' }), 'destination.type'],
  ['Azure destination with GCS fields only', withDestination({ type: 'azure-blob' }), 'destination.accountName'],
  ['Azure account name with capitals', azure({ accountName: 'MyAccount' }), 'destination.accountName'],
  ['Azure account name of 25 characters', azure({ accountName: 'a'.repeat(25) }), 'destination.accountName'],
  ['Azure account name with a dash', azure({ accountName: 'my-account' }), 'destination.accountName'],
  ['Azure without container', azure({ container: undefined }), 'destination.container'],
  ['Azure container with an underscore', azure({ container: 'audit_logs' }), 'destination.container'],
  ['Azure container with two adjacent dashes', azure({ container: 'audit--logs' }), 'destination.container'],
  ['Azure container of 2 characters', azure({ container: 'ab' }), 'destination.container'],
  ['Azure with a bucket (an S3 field)', azure({ bucket: 'audit-logs' }), 'destination.bucket'],
  ['Azure prefix with ..', azure({ prefix: 'a/../b/' }), 'destination.prefix'],
  ['Azure endpoint of another account', azure({ endpoint: 'https://otheraccount.blob.core.windows.net' }), 'destination.endpoint'],
  ['Azure endpoint with a SAS in its query', azure({ endpoint: `https://myaccount.blob.core.windows.net/?${sas('cw')}` }), 'destination.endpoint'],
  ['Azure tenant that is no tenant', azure({ credentials: { tenantId: 'not a tenant', clientId: CLIENT } }), 'destination.credentials.tenantId'],
  ['Azure client id that is no GUID', azure({ credentials: { tenantId: TENANT, clientId: 'exporter' } }), 'destination.credentials.clientId'],
  ['Azure empty client secret', azure({ credentials: { tenantId: TENANT, clientId: CLIENT, clientSecret: '' } }), 'destination.credentials.clientSecret'],
  ['Azure client secret without its client', azure({ credentials: { clientSecret: 'azure-secret-that-must-stay-secret' } }), 'destination.credentials'],
  ['Azure account key that is not base64', azure({ credentials: { accountKey: 'azure-secret-that-must-stay-secret!' } }), 'destination.credentials.accountKey'],
  ['Azure SAS with create only (sp=c)', azure({ credentials: { sasToken: sas('c') } }), 'destination.credentials.sasToken'],
  [
    'Azure SAS that is a whole URL',
    azure({ credentials: { sasToken: `https://myaccount.blob.core.windows.net/audit-logs` } }),
    'destination.credentials.sasToken',
  ],
  ['Azure account key and SAS at once', azure({ credentials: { accountKey: 'a2V5', sasToken: sas('cw') } }), 'destination.credentials'],
  ['S3 destination with GCS fields only', withDestination({ type: 's3' }), 'destination.region'],
  ['S3 bucket with an underscore', s3({ bucket: 'audit_logs' }), 'destination.bucket'],
  ['S3 bucket with a suffix S3 reserves', s3({ bucket: 'audit-s3alias' }), 'destination.bucket'],
  ['S3 without region', s3({ region: undefined }), 'destination.region'],
  ['S3 region with capitals', s3({ region: 'EU-West-1' }), 'destination.region'],
  ['S3 prefix with ..', s3({ prefix: 'a/../b/' }), 'destination.prefix'],
  ['S3 access key without its secret', s3({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } }), 'destination.credentials.secretAccessKey'],
  ['S3 credentials with a GCS key file', s3({ credentials: { serviceAccountJson: FAKE_SERVICE_ACCOUNT_JSON } }), 'destination.credentials.secretAccessKey'],
  ['S3 encryption of an unknown type', s3({ serverSideEncryption: { type: 'DES' } }), 'destination.serverSideEncryption.type'],
  ['S3 forcePathStyle as a string', s3({ forcePathStyle: 'yes' }), 'destination.forcePathStyle'],
  ['no destination', (b) => without(b, 'destination'), 'destination'],
  ['bucket of 2 characters', bucket('ab'), 'destination.bucket'],
  ['bucket of 64 characters', bucket('b'.repeat(64)), 'destination.bucket'],
  ['bucket with capitals', bucket('My-Bucket'), 'destination.bucket'],
  ['bucket with a space', bucket('my bucket'), 'destination.bucket'],
  ['bucket starting with a dash', bucket('-bucket'), 'destination.bucket'],
  ['bucket ending with a dot', bucket('bucket.'), 'destination.bucket'],
  ['bucket starting with goog', bucket('goog-audit'), 'destination.bucket'],
  ['bucket that is an IP address', bucket('192.168.5.4'), 'destination.bucket'],
  ['dotted bucket with a part over 63', bucket(`${'a'.repeat(64)}.example.com`), 'destination.bucket'],
  ['dotted bucket over 222', bucket(Array.from({ length: 4 }, () => 'a'.repeat(60)).join('.')), 'destination.bucket'],
  ['bucket with an empty part', bucket('a..b'), 'destination.bucket'],
  ['prefix with ..', withDestination({ prefix: 'mondoo/../other/' }), 'destination.prefix'],
  ['prefix with a leading /', withDestination({ prefix: '/mondoo/' }), 'destination.prefix'],
  ['prefix with a newline', withDestination({ prefix: 'mon\ndoo/' }), 'destination.prefix'],
  ['prefix with a NUL', withDestination({ prefix: 'mon\u0000doo/' }), 'destination.prefix'],
  ['empty credentials', withCredentials({}), 'destination.credentials'],
  [
    'credentials of both forms',
    withCredentials({
      serviceAccountJson: FAKE_SERVICE_ACCOUNT_JSON,
      wifAudience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q',
    }),
    'destination.credentials.wifAudience',
  ],
  [
    'half of federation',
    withCredentials({ wifAudience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q' }),
    'destination.credentials',
  ],
  [
    'federation audience of another form',
    withCredentials({ wifAudience: 'https://example.com', wifServiceAccountEmail: 'sa@p.iam.gserviceaccount.com' }),
    'destination.credentials.wifAudience',
  ],
  [
    'federation e-mail that is none',
    withCredentials({ wifAudience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q', wifServiceAccountEmail: 'nobody' }),
    'destination.credentials.wifServiceAccountEmail',
  ],
  ['key file that is not JSON', withCredentials({ serviceAccountJson: '{not json' }), 'destination.credentials.serviceAccountJson'],
  [
    'key file without private_key',
    withCredentials({ serviceAccountJson: JSON.stringify({ client_email: 'a@b.iam.gserviceaccount.com' }) }),
    'destination.credentials.serviceAccountJson',
  ],
  [
    'key file without client_email',
    withCredentials({ serviceAccountJson: JSON.stringify({ private_key: 'k' }) }),
    'destination.credentials.serviceAccountJson',
  ],
  ['key file that is an array', withCredentials({ serviceAccountJson: '[]' }), 'destination.credentials.serviceAccountJson'],
  ['key file as an object, not a string', withCredentials({ serviceAccountJson: JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as object }), 'destination.credentials'],
  ['destination endpoint that is no URL', withDestination({ endpoint: 'localhost:4443' }), 'destination.endpoint'],
  // Issue 10, item 5: each of these was accepted with 201 and failed only in the worker (or lied in the UI).
  ['prefix with a lone surrogate', withDestination({ prefix: 'p2/\ud800/' }), 'destination.prefix'],
  ['name with a lone surrogate', (b) => ({ ...b, name: 'export \udc00' }), 'name'],
  ['prefix of 512 × "€" (1,536 bytes)', withDestination({ prefix: '€'.repeat(512) }), 'destination.prefix'],
  ['prefix that leaves no room for the file name within 1,024 bytes', withDestination({ prefix: `${'€'.repeat(320)}/` }), 'destination.prefix'],
  [
    'key file without type',
    withCredentials({ serviceAccountJson: JSON.stringify(without(JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as { type: string }, 'type')) }),
    'destination.credentials.serviceAccountJson',
  ],
  [
    'key file of another type',
    withCredentials({ serviceAccountJson: JSON.stringify({ ...(JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as object), type: 'external_account' }) }),
    'destination.credentials.serviceAccountJson',
  ],
  [
    'key file with a non-PEM private_key',
    withCredentials({
      serviceAccountJson: JSON.stringify({
        ...(JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as object),
        private_key: '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n',
      }),
    }),
    'destination.credentials.serviceAccountJson',
  ],
  [
    'key file whose token_uri the worker does not trust',
    withCredentials({
      serviceAccountJson: JSON.stringify({ ...(JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as object), token_uri: 'https://attacker.example/token' }),
    }),
    'destination.credentials.serviceAccountJson',
  ],
  ['source endpoint with port 0', withSource({ endpoint: 'http://127.0.0.1:0/query' }), 'source.endpoint'],
  ['destination endpoint with port 0', withDestination({ endpoint: 'http://127.0.0.1:0' }), 'destination.endpoint'],
  ['destination endpoint with a query', withDestination({ endpoint: 'http://127.0.0.1:4443/?x=1' }), 'destination.endpoint'],
  ['name with a bidi override (U+202E)', (b) => ({ ...b, name: 'export \u202egpj.exe' }), 'name'],
  ['name with a zero-width space (U+200B)', (b) => ({ ...b, name: 'ex\u200bport' }), 'name'],
  ['name with a C1 control (U+0085)', (b) => ({ ...b, name: 'ex\u0085port' }), 'name'],
  ['name with a line separator (U+2028)', (b) => ({ ...b, name: 'ex\u2028port' }), 'name'],
  ['name with a paragraph separator (U+2029)', (b) => ({ ...b, name: 'ex\u2029port' }), 'name'],
  ['prefix with a bidi override (U+202E)', withDestination({ prefix: 'mondoo/\u202e/' }), 'destination.prefix'],
  ['prefix with a bidi isolate (U+2066)', withDestination({ prefix: 'mondoo/\u2066/' }), 'destination.prefix'],
  ['prefix with a zero-width joiner (U+200D)', withDestination({ prefix: 'mon\u200ddoo/' }), 'destination.prefix'],
  ['prefix with a byte-order mark (U+FEFF)', withDestination({ prefix: '\ufeffmondoo/' }), 'destination.prefix'],
  ['prefix with a C1 control (U+009B)', withDestination({ prefix: 'mon\u009bdoo/' }), 'destination.prefix'],
  ['prefix with a line separator (U+2028)', withDestination({ prefix: 'mon\u2028doo/' }), 'destination.prefix'],
  ['prefix with a paragraph separator (U+2029)', withDestination({ prefix: 'mon\u2029doo/' }), 'destination.prefix'],
  ['prefix reserved by GCS (.well-known/acme-challenge/)', withDestination({ prefix: '.well-known/acme-challenge/' }), 'destination.prefix'],
  ['prefix with a strftime specifier other than %Y %m %d %H (%M)', withDestination({ prefix: 'mondoo/%Y/%M/' }), 'destination.prefix'],
  ['prefix with a literal %', withDestination({ prefix: 'mondoo/100%/' }), 'destination.prefix'],
  ['prefix ending in %', withDestination({ prefix: 'mondoo/%' }), 'destination.prefix'],
  ['S3 prefix with %j', s3({ prefix: 'mondoo/%j/' }), 'destination.prefix'],
  ['compression of an unknown kind', withDestination({ compression: 'zstd' }), 'destination.compression'],
  ['compression as a boolean', withDestination({ compression: true }), 'destination.compression'],
  ['S3 compression of an unknown kind', s3({ compression: 'brotli' }), 'destination.compression'],
  ['GCS kmsKeyName that is no key resource name', withDestination({ kmsKeyName: 'my-key' }), 'destination.kmsKeyName'],
  ['GCS kmsKeyName of a key ring only', withDestination({ kmsKeyName: 'projects/p/locations/eu/keyRings/r' }), 'destination.kmsKeyName'],
  ['S3 destination with a GCS kmsKeyName', s3({ kmsKeyName: 'projects/p/locations/eu/keyRings/r/cryptoKeys/k' }), 'destination.kmsKeyName'],
  ['interval of 4 minutes', (b) => ({ ...b, intervalMinutes: 4 }), 'intervalMinutes'],
  ['interval over a week', (b) => ({ ...b, intervalMinutes: 10_081 }), 'intervalMinutes'],
  ['fractional interval', (b) => ({ ...b, intervalMinutes: 7.5 }), 'intervalMinutes'],
  ['interval as a string', (b) => ({ ...b, intervalMinutes: '60' }), 'intervalMinutes'],
  ['includeHistorical as a string', (b) => ({ ...b, includeHistorical: 'yes' }), 'includeHistorical'],
  ['unknown top-level field', (b) => ({ ...b, cron: '@hourly' }), 'cron'],
  ['both intervalMinutes and schedule', (b) => ({ ...b, schedule: { frequency: 'daily', time: '02:30' } }), 'schedule'],
  ['schedule as a string', withSchedule('@hourly'), 'schedule'],
  ['schedule of an unknown frequency', withSchedule({ frequency: 'yearly', time: '02:30' }), 'schedule.frequency'],
  ['schedule without frequency', withSchedule({ time: '02:30' }), 'schedule.frequency'],
  ['hourly schedule with a time', withSchedule({ frequency: 'hourly', minute: 15, time: '02:30' }), 'schedule.time'],
  ['hourly schedule without minute', withSchedule({ frequency: 'hourly' }), 'schedule.minute'],
  ['hourly schedule at minute 60', withSchedule({ frequency: 'hourly', minute: 60 }), 'schedule.minute'],
  ['hourly schedule at a fractional minute', withSchedule({ frequency: 'hourly', minute: 1.5 }), 'schedule.minute'],
  ['daily schedule with a minute', withSchedule({ frequency: 'daily', time: '02:30', minute: 15 }), 'schedule.minute'],
  ['daily schedule with a dayOfWeek', withSchedule({ frequency: 'daily', time: '02:30', dayOfWeek: 'monday' }), 'schedule.dayOfWeek'],
  ['daily schedule without time', withSchedule({ frequency: 'daily' }), 'schedule.time'],
  ['daily schedule at 24:00', withSchedule({ frequency: 'daily', time: '24:00' }), 'schedule.time'],
  ['daily schedule at 2:30 (no leading zero)', withSchedule({ frequency: 'daily', time: '2:30' }), 'schedule.time'],
  ['daily schedule with seconds', withSchedule({ frequency: 'daily', time: '02:30:00' }), 'schedule.time'],
  ['weekly schedule without dayOfWeek', withSchedule({ frequency: 'weekly', time: '02:30' }), 'schedule.dayOfWeek'],
  ['weekly schedule on "Mon"', withSchedule({ frequency: 'weekly', time: '02:30', dayOfWeek: 'Mon' }), 'schedule.dayOfWeek'],
  ['weekly schedule with a dayOfMonth', withSchedule({ frequency: 'weekly', time: '02:30', dayOfWeek: 'monday', dayOfMonth: 1 }), 'schedule.dayOfMonth'],
  ['monthly schedule on day 29', withSchedule({ frequency: 'monthly', time: '02:30', dayOfMonth: 29 }), 'schedule.dayOfMonth'],
  ['monthly schedule on day 0', withSchedule({ frequency: 'monthly', time: '02:30', dayOfMonth: 0 }), 'schedule.dayOfMonth'],
  ['monthly schedule on "first"', withSchedule({ frequency: 'monthly', time: '02:30', dayOfMonth: 'first' }), 'schedule.dayOfMonth'],
  ['monthly schedule with a dayOfWeek', withSchedule({ frequency: 'monthly', time: '02:30', dayOfMonth: 1, dayOfWeek: 'monday' }), 'schedule.dayOfWeek'],
  ['schedule in an unknown time zone', withSchedule({ frequency: 'daily', time: '02:30', timezone: 'Mars/Olympus' }), 'schedule.timezone'],
  ['schedule at a fixed offset, not a zone', withSchedule({ frequency: 'daily', time: '02:30', timezone: '+01:00' }), 'schedule.timezone'],
  ['schedule with an empty time zone', withSchedule({ frequency: 'daily', time: '02:30', timezone: '' }), 'schedule.timezone'],
  ['filters as a string', withFilters('actions=x'), 'filters'],
  ['filters as an array', withFilters([]), 'filters'],
  ['filters.actions as a string', withFilters({ actions: 'mondoo.captain.Captain.SetOrganizationMembership' }), 'filters.actions'],
  ['filters.actions empty', withFilters({ actions: [] }), 'filters.actions'],
  ['filters.actions with an empty value', withFilters({ actions: [''] }), 'filters.actions.0'],
  ['filters.actions with a value twice', withFilters({ actions: ['a.B', 'a.B'] }), 'filters.actions'],
  ['filters.actions of 101 values', withFilters({ actions: Array.from({ length: 101 }, (_, i) => `a.B${i}`) }), 'filters.actions'],
  ['filters.identities with a number', withFilters({ identities: [42] }), 'filters.identities.0'],
  ['Mondoo filters with an Endor Labs field', withFilters({ operations: ['OPERATION_DELETE'] }), 'filters.operations'],
  ['Endor Labs filters with a Mondoo field', (b) => ({ ...b, source: ENDOR_SOURCE, filters: { actions: ['a.B'] } }), 'filters.actions'],
  ['Endor Labs filters.operations empty', (b) => ({ ...b, source: ENDOR_SOURCE, filters: { operations: [] } }), 'filters.operations'],
  ['Endor Labs filters.messageKinds as a string', (b) => ({ ...b, source: ENDOR_SOURCE, filters: { messageKinds: 'Policy' } }), 'filters.messageKinds'],
  ['filters for Cloud Audit Logs (it has source.filter)', (b) => ({ ...b, source: GCP_SOURCE, filters: { actions: ['a.B'] } }), 'filters'],
  ['an array', () => [], ''],
];

/** A valid one-time export body, changed by a case. */
const exportBody = (b: Body) => {
  const { name, source, destination } = b;
  return { name, source, destination, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
};
type ExportBody = ReturnType<typeof exportBody>;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const BAD_EXPORTS: Array<[name: string, change: (body: ExportBody) => unknown, path: string]> = [
  ['no from', (b) => without(b, 'from'), 'from'],
  ['no to', (b) => without(b, 'to'), 'to'],
  ['from that is no time', (b) => ({ ...b, from: 'yesterday' }), 'from'],
  ['from without an offset', (b) => ({ ...b, from: '2026-01-01T00:00:00' }), 'from'],
  ['to as epoch seconds', (b) => ({ ...b, to: 1767225600 }), 'to'],
  ['to before from', (b) => ({ ...b, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 'to'],
  ['to equal to from', (b) => ({ ...b, to: b.from }), 'to'],
  ['to in the future', (b) => ({ ...b, to: inAnHour() }), 'to'],
  ['Endor Labs from older than its 30 days', (b) => ({ ...b, source: ENDOR_SOURCE, from: '2020-01-01T00:00:00Z' }), 'from'],
  ['lateArrivalSeconds under a minute', (b) => ({ ...b, lateArrivalSeconds: 5 }), 'lateArrivalSeconds'],
  ['an interval (exports run once)', (b) => ({ ...b, intervalMinutes: 60 }), 'intervalMinutes'],
  ['unknown source field', (b) => ({ ...b, source: { ...b.source, region: 'eu' } }), 'source.region'],
  ['bucket with capitals', (b) => ({ ...b, destination: { ...b.destination, bucket: 'My-Bucket' } }), 'destination.bucket'],
  ['prefix that leaves no room for the file name', (b) => ({ ...b, destination: { ...b.destination, prefix: `${'€'.repeat(320)}/` } }), 'destination.prefix'],
  ['no name', (b) => without(b, 'name'), 'name'],
  ['an unknown filter field', (b) => ({ ...b, filters: { operations: ['OPERATION_DELETE'] } }), 'filters.operations'],
  ['filters.actions empty', (b) => ({ ...b, filters: { actions: [] } }), 'filters.actions'],
  ['filters for Cloud Audit Logs', (b) => ({ ...b, source: GCP_SOURCE, filters: { actions: ['a.B'] } }), 'filters'],
];

const BAD_CONNECTION_TESTS: Array<[name: string, body: (b: Body) => unknown, path: string]> = [
  ['neither source nor destination', () => ({}), 'source'],
  ['an unknown source type', (b) => ({ source: { ...b.source, type: 'okta' } }), 'source.type'],
  ['a source without its token', (b) => ({ source: without(b.source, 'token') }), 'source.token'],
  ['a destination with a bad bucket', (b) => ({ destination: { ...b.destination, bucket: 'ab' } }), 'destination.bucket'],
  ['an unknown field', (b) => ({ source: b.source, name: 'x' }), 'name'],
];

describe('API input validation and errors', () => {
  let h: ApiHarness;
  /** Calls of the API's workflow.start, counted over the whole file (spies are cleared between tests). */
  let starts = 0;
  beforeAll(async () => {
    h = await startApiHarness();
    const workflow = h.api.client.workflow;
    const start = workflow.start.bind(workflow);
    workflow.start = ((...args: Parameters<typeof start>) => {
      starts++;
      return start(...args);
    }) as typeof workflow.start;
  });
  afterAll(async () => h?.close());

  it.each(BAD_INPUTS)('rejects %s with a 400 naming the field', async (_name, change, path) => {
    const valid = integrationBody({ bucket: 'valid-bucket' });
    const response = await h.request<{ error: { code: string; message: string; details: Array<{ path: string; message: string }> } }>(
      'POST',
      '/v1/integrations',
      { body: change(valid) },
    );
    expect(response.status).toBe(400);
    expect(starts).toBe(0);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^Invalid integration: /) });
    expect(response.body.error.details.map((d) => d.path)).toContain(path);
    // Secrets are never echoed back, even in an error.
    expect(JSON.stringify(response.body)).not.toContain('mondoo-token-that-must-stay-secret');
    expect(JSON.stringify(response.body)).not.toContain('not-a-real-key');
    expect(JSON.stringify(response.body)).not.toContain('s3-secret-that-must-stay-secret');
    expect(JSON.stringify(response.body)).not.toContain('azure-secret-that-must-stay-secret');
    expect(JSON.stringify(response.body)).not.toContain((JSON.parse(FAKE_SERVICE_ACCOUNT_JSON) as { private_key: string }).private_key.slice(40, 80));
  });

  it.each(BAD_EXPORTS)('rejects a one-time export with %s: 400 naming the field', async (_name, change, path) => {
    const response = await h.request<{ error: { code: string; message: string; details: Array<{ path: string }> } }>('POST', '/v1/exports', {
      body: change(exportBody(integrationBody({ bucket: 'valid-bucket' }))),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(starts).toBe(0);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^Invalid export: /) });
    expect(response.body.error.details.map((d) => d.path)).toContain(path);
    expect(JSON.stringify(response.body)).not.toContain('mondoo-token-that-must-stay-secret');
  });

  it.each(BAD_CONNECTION_TESTS)('rejects a connection test with %s: 400 naming the field', async (_name, body, path) => {
    const response = await h.request<{ error: { code: string; details: Array<{ path: string }> } }>('POST', '/v1/connection-tests', {
      body: body(integrationBody({ bucket: 'valid-bucket' })),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(starts).toBe(0);
    expect(response.body.error.details.map((d) => d.path)).toContain(path);
    expect(JSON.stringify(response.body)).not.toContain('mondoo-token-that-must-stay-secret');
  });

  it('rejects a bad limit, status or pageToken of the export list, naming it', async () => {
    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['status=active', 'status'],
      ['pageToken=%2B%2B', 'pageToken'],
      ['pageToken=bm90LWEtdG9rZW4', 'pageToken'],
      ['sort=asc', 'sort'],
    ]) {
      const response = await h.request<{ error: { details: Array<{ path: string }> } }>('GET', `/v1/exports?${query}`);
      expect(response.status, query).toBe(400);
      expect(
        response.body.error.details.map((d) => d.path),
        query,
      ).toContain(path);
    }
  });

  it.each([
    ['limit of 0', 'limit=0', 'limit'],
    ['limit over 1000', 'limit=1001', 'limit'],
    ['fractional limit', 'limit=1.5', 'limit'],
    ['limit that is no number', 'limit=ten', 'limit'],
    ['limit given twice', 'limit=1&limit=2', 'limit'],
    ['unknown status', 'status=stopped', 'status'],
    ['unknown sourceType', 'sourceType=okta', 'sourceType'],
    ['pageToken that is no token', 'pageToken=abc', 'pageToken'],
    ['pageToken of other JSON', `pageToken=${Buffer.from('["x","y"]').toString('base64url')}`, 'pageToken'],
    ['unknown query field', 'offset=10', 'offset'],
  ])('rejects a list query with %s with a 400 naming the field', async (_name, query, path) => {
    const response = await h.request<{ error: { code: string; details: Array<{ path: string }> } }>('GET', `/v1/integrations?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((d) => d.path)).toContain(path);
  });

  it('rejects an Idempotency-Key that is no visible ASCII, naming the header', async () => {
    for (const key of ['', 'a b', 'k'.repeat(256), 'schl\u00fcssel']) {
      const response = await h.request<{ error: { code: string; details: Array<{ path: string }> } }>('POST', '/v1/integrations', {
        body: integrationBody({ bucket: 'valid-bucket' }),
        headers: { 'idempotency-key': key },
      });
      expect(response.status, JSON.stringify(key)).toBe(400);
      expect(response.body.error.details.map((d) => d.path)).toEqual(['Idempotency-Key']);
    }
    expect(starts).toBe(0);
  });

  it('started no workflow for any bad input (and counting would have seen one)', async () => {
    expect(starts).toBe(0);
    expect(await executionsOnQueue(h)).toBe(0);
    const response = await h.request<Integration>('POST', '/v1/integrations', { body: integrationBody({ bucket: 'valid-bucket' }) });
    expect(response.status).toBe(201);
    // The destination claim, then the export.
    expect(starts).toBe(2);
    await waitFor('the one valid create in visibility', async () => ((await executionsOnQueue(h)) === 2 ? true : undefined));
    // No worker polls this queue; end the workflows so nothing lingers.
    for await (const info of h.env.client.workflow.list({ query: `TaskQueue = "${h.env.settings.taskQueue}" AND ExecutionStatus = "Running"` })) {
      await h.env.client.workflow.getHandle(info.workflowId).terminate('test cleanup');
    }
  });

  it('answers a path that is no valid percent-encoding with 400 in the error shape, not 500', async () => {
    for (const id of ['%ff', '%', '%E0%A4%A']) {
      for (const [method, path] of [
        ['GET', `/v1/integrations/${id}`],
        ['POST', `/v1/integrations/${id}`],
        ['DELETE', `/v1/integrations/${id}`],
        ['POST', `/v1/integrations/${id}/pause`],
        ['PATCH', `/v1/integrations/${id}`],
      ] as const) {
        const response = await h.request(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
        expect(response, `${method} ${path}`).toMatchObject({ status: 400, body: { error: { code: 'invalid_path', details: [] } } });
      }
    }
  });

  it('answers a corrupt gzip, deflate or br body with 400 in the error shape, not 500', async () => {
    const startsBefore = starts;
    const valid = JSON.stringify(integrationBody({ bucket: 'valid-bucket' }));
    const compressed = { gzip: gzipSync(valid), deflate: deflateSync(valid), br: brotliCompressSync(valid) };
    for (const [encoding, body] of Object.entries(compressed)) {
      const corrupt = Buffer.concat([body.subarray(0, 12), Buffer.from('this is not what the header says'), body.subarray(12)]);
      for (const sent of [corrupt, Buffer.from('plain text, not compressed at all')]) {
        const response = await fetch(`${h.url}/v1/integrations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.tokens[0]}`, 'content-type': 'application/json', 'content-encoding': encoding },
          body: sent,
        });
        const text = await response.text();
        expect(response.status, `${encoding}: ${text}`).toBe(400);
        expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_body', details: [] } });
        expect(text).not.toMatch(/zlib|Z_DATA_ERROR|incorrect header|\bat \S+:\d+/i);
      }
    }
    expect(starts).toBe(startsBefore);
  });

  it('answers malformed JSON, a non-JSON body and an oversized body in the same shape, without internals', async () => {
    const startsBefore = starts;
    const malformed = await h.request('POST', '/v1/integrations', { rawBody: '{"name": "x",', headers: { 'content-type': 'application/json' } });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON', details: [] } } });
    const text = await h.request('POST', '/v1/integrations', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text).toMatchObject({ status: 400, body: { error: { code: 'invalid_body', details: [] } } });
    const huge = await h.request('POST', '/v1/integrations', { body: { ...integrationBody({ bucket: 'valid-bucket' }), name: 'n'.repeat(100_000) } });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', details: [] } } });
    // Strict JSON: a body must be an object (or array), so a bare null is malformed too.
    const bareNull = await h.request('POST', '/v1/integrations', { rawBody: 'null', headers: { 'content-type': 'application/json' } });
    expect(bareNull).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    for (const response of [malformed, text, huge, bareNull]) expect(JSON.stringify(response.body)).not.toMatch(/\bat \S+:\d+|node_modules|SyntaxError/);
    expect(starts).toBe(startsBefore);
  });

  it('requires a valid bearer token on /v1, accepts each rotated token, and leaves health and the document open', async () => {
    const missing = await h.request('GET', '/v1/integrations', { token: null });
    expect(missing).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', details: [] } } });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await h.request('GET', '/v1/integrations', { token: 'test-token-primaryX' })).status).toBe(401);
    expect((await h.request('GET', '/v1/integrations', { token: '' })).status).toBe(401);
    expect((await h.request('GET', '/v1/integrations', { token: null, headers: { authorization: `Basic ${h.tokens[0]}` } })).status).toBe(401);
    for (const token of h.tokens) expect((await h.request('GET', '/v1/integrations', { token })).status).toBe(200);
    // Authentication comes before the body is even read.
    expect((await h.request('POST', '/v1/integrations', { token: 'wrong', rawBody: '{', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await h.request('GET', '/v1/nothing-here', { token: null })).status).toBe(401);
    for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await h.request('GET', path, { token: null })).status, path).toBe(200);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    expect(await h.request('GET', '/v1/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'not_found', details: [] } } });
    expect(await h.request('GET', '/nothing-here', { token: null })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('the OpenAPI document', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => h?.close());

  it('is generated from the request and response schemas', async () => {
    const { status, body } = await h.request<OpenApi>('GET', '/openapi.json', { token: null });
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.components.securitySchemes.bearerToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const create = body.components.schemas.CreateIntegration!;
    expect(create).toMatchObject({ type: 'object', additionalProperties: false, required: ['name', 'source', 'destination'] });
    expect(create.properties.intervalMinutes).toMatchObject({ type: 'integer', minimum: 5, maximum: 10_080, default: 60 });
    expect(create.properties.includeHistorical).toMatchObject({ type: 'boolean', default: false });
    expect(JSON.stringify(create)).toContain('"writeOnly":true');
    const integration = body.components.schemas.Integration!;
    expect(integration.required).toEqual(
      expect.arrayContaining(['id', 'workflowId', 'name', 'status', 'source', 'destination', 'includeHistorical', 'createdAt']),
    );
    // An interval or a schedule: either may be absent.
    expect(integration.required).not.toContain('intervalMinutes');
    expect(JSON.stringify(create.properties.schedule)).toContain('"Europe/Berlin"');
    expect(integration.properties.status).toEqual({ type: 'string', enum: ['active', 'paused', 'error', 'deleted'] });
    for (const secret of ['"token"', 'serviceAccountJson']) expect(JSON.stringify(integration)).not.toContain(secret);
    expect(body.components.schemas.Error!.properties.error).toMatchObject({ required: ['code', 'message', 'details'] });
  });

  it('documents exactly the routes the API serves', async () => {
    const { body } = await h.request<OpenApi>('GET', '/openapi.json', { token: null });
    const id = '00000000-0000-4000-8000-000000000000';
    const operations = Object.entries(body.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), path] as const));
    expect(operations.length).toBe(17);
    for (const [method, path] of operations) {
      const response = await h.request<{ error?: { message: string } }>(method, path.replace('{id}', id), {
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect(response.body.error?.message ?? '', `${method} ${path}`).not.toMatch(/^There is no route/);
      if (path.startsWith('/v1')) expect(body.paths[path]![method.toLowerCase()]!.security, `${method} ${path}`).toEqual([{ bearerToken: [] }]);
    }
  });
});

describe('unexpected failures', () => {
  const settings = { taskQueue: 'unused', tokens: ['t'], bodyLimitBytes: 1024 };
  async function appWith(list: () => never) {
    const { createApp } = await import('../../api/app');
    const { createLogger } = await import('../../lib/logger');
    // Only what listing uses: the list call, under the API's deadline.
    const client = {
      workflow: { list },
      withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    } as unknown as import('@temporalio/client').Client;
    const server = createApp({ client, log: createLogger('api-test', 'silent'), settings }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/v1/integrations`;
    const response = await fetch(url, { headers: { authorization: 'Bearer t' } });
    server.close();
    return { status: response.status, requestId: response.headers.get('x-request-id'), text: await response.text() };
  }

  it('are a 500 in the error shape, without internals', async () => {
    const { status, requestId, text } = await appWith(() => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    expect(status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: `Internal error; the API log has the details under request id ${requestId}`, details: [] },
    });
    expect(text).not.toContain('hunter2');
  });

  it('are a 503 when Temporal is unreachable', async () => {
    const { ServiceError } = await import('@temporalio/client');
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14, details: 'connect ECONNREFUSED', metadata: {} });
    const { status, text } = await appWith(() => {
      throw new ServiceError('Failed to list workflows', { cause: unavailable });
    });
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'temporal_unavailable', details: [] } });
    expect(text).not.toContain('ECONNREFUSED');
  });
});

interface JsonSchemaObject {
  type?: string;
  required?: string[];
  properties: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown }>>;
  components: { schemas: Record<string, JsonSchemaObject>; securitySchemes: Record<string, unknown> };
}
