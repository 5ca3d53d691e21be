// Realistic Cloud Audit Log entries (LogEntry with an AuditLog protoPayload), reproducible from a seed:
// Admin Activity, Data Access, System Event and Policy Denied entries of several services, long-running
// operations (two entries sharing operation.id), callers at public, `private` and `gce-internal-ip`
// addresses, redacted principals, failures, nanosecond timestamps and receive delays.
import { auditLogName, type AuditLogType, type GcpLogEntry } from '../../activities/sources/gcp-audit-logs/types';

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const token = (rand: Rand, length: number) => Array.from({ length }, () => ALPHABET[Math.floor(rand() * 36)]).join('');

/** `2026-11-30T12:00:00.123456789Z` from epoch nanoseconds (a bigint: a double loses them). */
export function formatNanos(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = String(nanos % 1_000_000_000n).padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

export function nanosOf(ms: number | Date | string): bigint {
  const value = typeof ms === 'number' ? ms : ms instanceof Date ? ms.getTime() : Date.parse(ms);
  if (Number.isNaN(value)) throw new Error(`not a time: ${String(ms)}`);
  return BigInt(Math.floor(value)) * 1_000_000n;
}

const USERS = ['alice@example.com', 'bob.smith@example.com', 'secops-oncall@example.com'];
const REGIONS = ['us-central1', 'europe-west1', 'asia-northeast1'];

export interface EntryContext {
  resourceName: string;
  /** Epoch nanoseconds of the entry's timestamp. */
  nanos: bigint;
  /** Receive delay in ms (late entries: minutes). Default: 50 ms to 3 s. */
  receiveDelayMs?: number;
}

/** The project id an entry is written under: the resource's own for projects, a member project otherwise. */
function projectOf(resourceName: string): string {
  return resourceName.startsWith('projects/') ? resourceName.slice('projects/'.length) : 'member-project-1';
}

function envelope(
  rand: Rand,
  ctx: EntryContext,
  type: AuditLogType,
  severity: string,
  resource: GcpLogEntry['resource'],
  payload: Record<string, unknown>,
): GcpLogEntry {
  const delay = ctx.receiveDelayMs ?? 50 + Math.floor(rand() * 2950);
  return {
    protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', ...payload },
    insertId: `${token(rand, 12)}${Math.floor(rand() * 10)}`,
    resource,
    timestamp: formatNanos(ctx.nanos),
    severity,
    logName: auditLogName(ctx.resourceName, type),
    receiveTimestamp: formatNanos(ctx.nanos + BigInt(delay) * 1_000_000n),
  };
}

function caller(rand: Rand, project: string): { authenticationInfo: Record<string, unknown>; requestMetadata: Record<string, unknown> } {
  const roll = rand();
  const ip =
    roll < 0.45
      ? `203.0.113.${1 + Math.floor(rand() * 250)}`
      : roll < 0.6
        ? `2001:db8::${(1 + Math.floor(rand() * 0xfff)).toString(16)}`
        : roll < 0.8
          ? 'private'
          : 'gce-internal-ip';
  const asServiceAccount = rand() < 0.35;
  const email = asServiceAccount ? `deployer@${project}.iam.gserviceaccount.com` : pick(rand, USERS);
  const authenticationInfo: Record<string, unknown> = { principalEmail: email };
  if (asServiceAccount) {
    authenticationInfo.serviceAccountKeyName = `//iam.googleapis.com/projects/${project}/serviceAccounts/${email}/keys/${token(rand, 40)}`;
    authenticationInfo.principalSubject = `serviceAccount:${email}`;
  } else {
    authenticationInfo.principalSubject = `user:${email}`;
  }
  const userAgent = pick(rand, [
    'google-cloud-sdk gcloud/471.0.0 command/gcloud.compute.instances.create invocation-id/7b1f2c',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36,gzip(gfe)',
    'Terraform/1.8.2 (+https://www.terraform.io) terraform-provider-google/5.26.0',
    'google-api-go-client/0.5 auditflow-test',
  ]);
  const requestMetadata: Record<string, unknown> = {
    callerIp: ip,
    callerSuppliedUserAgent: userAgent,
    requestAttributes: { time: '', auth: {} },
    destinationAttributes: {},
  };
  if (ip === 'gce-internal-ip') requestMetadata.callerNetwork = `//compute.googleapis.com/projects/${project}/global/networks/__unknown__`;
  return { authenticationInfo, requestMetadata };
}

const failure = (rand: Rand): { code?: number; message?: string } =>
  rand() < 0.12
    ? pick(rand, [
        { code: 7, message: 'PERMISSION_DENIED' },
        { code: 5, message: 'NOT_FOUND' },
        { code: 3, message: 'Invalid value for field resource.name' },
      ])
    : {};

/** One Admin Activity entry; with `operation` part of a long-running operation (first or last). */
function adminActivity(rand: Rand, ctx: EntryContext): GcpLogEntry[] {
  const project = projectOf(ctx.resourceName);
  const who = caller(rand, project);
  const region = pick(rand, REGIONS);
  const zone = `${region}-${pick(rand, ['a', 'b', 'c'])}`;
  const kind = Math.floor(rand() * 6);
  if (kind <= 1) {
    // A VM insert is a long-running operation: two entries sharing operation.id, the last one later.
    const name = `vm-${token(rand, 6)}`;
    const resourceName = `projects/${project}/zones/${zone}/instances/${name}`;
    const operation = { id: `operation-${Number(ctx.nanos / 1_000_000n)}-${token(rand, 12)}`, producer: 'compute.googleapis.com' };
    const resource = { type: 'gce_instance', labels: { project_id: project, zone, instance_id: String(1e18 + Math.floor(rand() * 1e15)).slice(0, 19) } };
    const base = {
      serviceName: 'compute.googleapis.com',
      methodName: kind === 0 ? 'v1.compute.instances.insert' : 'beta.compute.instances.delete',
      resourceName,
      resourceLocation: { currentLocations: [zone] },
      authorizationInfo: [
        {
          permission: kind === 0 ? 'compute.instances.create' : 'compute.instances.delete',
          granted: true,
          resourceAttributes: { service: 'compute', name: resourceName, type: 'compute.instances' },
        },
      ],
      ...who,
    };
    const first = envelope(rand, ctx, 'activity', 'NOTICE', resource, {
      ...base,
      status: {},
      request: { '@type': 'type.googleapis.com/compute.instances.insert', name, machineType: `zones/${zone}/machineTypes/e2-medium` },
      response: { '@type': 'type.googleapis.com/operation', id: operation.id, name: operation.id, status: 'RUNNING', progress: '0', insertTime: '' },
    });
    first.operation = { ...operation, first: true };
    const lastCtx = { ...ctx, nanos: ctx.nanos + BigInt(2 + Math.floor(rand() * 40)) * 1_000_000_000n };
    const last = envelope(rand, lastCtx, 'activity', 'NOTICE', resource, {
      ...base,
      status: {},
      metadata: { '@type': 'type.googleapis.com/google.cloud.audit.ComputeInstanceMetadata' },
    });
    last.operation = { ...operation, last: true };
    return [first, last];
  }
  if (kind === 2) {
    const account = `svc-${token(rand, 5)}@${project}.iam.gserviceaccount.com`;
    const status = failure(rand);
    return [
      envelope(
        rand,
        ctx,
        'activity',
        status.code ? 'ERROR' : 'NOTICE',
        { type: 'service_account', labels: { project_id: project, email_id: account, unique_id: token(rand, 21) } },
        {
          serviceName: 'iam.googleapis.com',
          methodName: pick(rand, [
            'google.iam.admin.v1.CreateServiceAccountKey',
            'google.iam.admin.v1.DeleteServiceAccount',
            'google.iam.admin.v1.CreateServiceAccount',
          ]),
          resourceName: `projects/-/serviceAccounts/${token(rand, 21)}`,
          status,
          authorizationInfo: [{ resource: `projects/-/serviceAccounts/${account}`, permission: 'iam.serviceAccountKeys.create', granted: !status.code }],
          request: {
            '@type': 'type.googleapis.com/google.iam.admin.v1.CreateServiceAccountKeyRequest',
            name: `projects/-/serviceAccounts/${account}`,
            private_key_type: 2,
          },
          response: status.code
            ? undefined
            : {
                '@type': 'type.googleapis.com/google.iam.admin.v1.ServiceAccountKey',
                name: `projects/${project}/serviceAccounts/${account}/keys/${token(rand, 40)}`,
                valid_after_time: { seconds: String(ctx.nanos / 1_000_000_000n) },
              },
          ...who,
        },
      ),
    ];
  }
  if (kind === 3) {
    const role = pick(rand, ['roles/logging.viewer', 'roles/owner', 'roles/storage.objectCreator']);
    return [
      envelope(
        rand,
        ctx,
        'activity',
        'NOTICE',
        { type: 'project', labels: { project_id: project } },
        {
          serviceName: 'cloudresourcemanager.googleapis.com',
          methodName: 'SetIamPolicy',
          resourceName: `projects/${project}`,
          status: {},
          authorizationInfo: [{ resource: `projects/${project}`, permission: 'resourcemanager.projects.setIamPolicy', granted: true }],
          request: {
            '@type': 'type.googleapis.com/google.iam.v1.SetIamPolicyRequest',
            resource: project,
            policy: { bindings: [{ role, members: [`user:${pick(rand, USERS)}`] }], etag: 'BwYUjMH6mE0=' },
          },
          response: { '@type': 'type.googleapis.com/google.iam.v1.Policy', bindings: [{ role, members: [`user:${pick(rand, USERS)}`] }] },
          serviceData: {
            '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
            policyDelta: { bindingDeltas: [{ action: 'ADD', role, member: `user:${pick(rand, USERS)}` }] },
          },
          ...who,
        },
      ),
    ];
  }
  const bucket = `${project}-${pick(rand, ['logs', 'backups', 'artifacts'])}`;
  const status = failure(rand);
  return [
    envelope(
      rand,
      ctx,
      'activity',
      status.code ? 'ERROR' : 'NOTICE',
      { type: 'gcs_bucket', labels: { project_id: project, bucket_name: bucket, location: region } },
      {
        serviceName: 'storage.googleapis.com',
        methodName: pick(rand, ['storage.buckets.create', 'storage.setIamPermissions', 'storage.buckets.update', 'storage.buckets.delete']),
        resourceName: `projects/_/buckets/${bucket}`,
        resourceLocation: { currentLocations: [region] },
        status,
        authorizationInfo: [{ resource: `projects/_/buckets/${bucket}`, permission: 'storage.buckets.update', granted: !status.code, resourceAttributes: {} }],
        ...who,
      },
    ),
  ];
}

function dataAccess(rand: Rand, ctx: EntryContext): GcpLogEntry[] {
  const project = projectOf(ctx.resourceName);
  const who = caller(rand, project);
  // Identities outside the organization are redacted in Data Access logs: no e-mail at all.
  if (rand() < 0.25) who.authenticationInfo = {};
  const bucket = `${project}-artifacts`;
  return [
    envelope(
      rand,
      ctx,
      'data_access',
      'INFO',
      { type: 'gcs_bucket', labels: { project_id: project, bucket_name: bucket, location: 'us' } },
      {
        serviceName: 'storage.googleapis.com',
        methodName: pick(rand, ['storage.objects.get', 'storage.objects.list', 'storage.buckets.get']),
        resourceName: `projects/_/buckets/${bucket}/objects/builds/${token(rand, 8)}.tar.gz`,
        resourceLocation: { currentLocations: ['us'] },
        status: failure(rand),
        authorizationInfo: [
          { resource: `projects/_/buckets/${bucket}/objects/builds`, permission: 'storage.objects.get', granted: true, resourceAttributes: {} },
        ],
        numResponseItems: rand() < 0.5 ? String(Math.floor(rand() * 100)) : undefined,
        ...who,
      },
    ),
  ];
}

function systemEvent(rand: Rand, ctx: EntryContext): GcpLogEntry[] {
  const project = projectOf(ctx.resourceName);
  const zone = `${pick(rand, REGIONS)}-b`;
  const name = `vm-${token(rand, 6)}`;
  return [
    envelope(
      rand,
      ctx,
      'system_event',
      'INFO',
      { type: 'gce_instance', labels: { project_id: project, zone, instance_id: String(Math.floor(rand() * 1e15)) } },
      {
        serviceName: 'compute.googleapis.com',
        methodName: pick(rand, ['compute.instances.migrateOnHostMaintenance', 'compute.instances.automaticRestart', 'compute.instances.preempted']),
        resourceName: `projects/${project}/zones/${zone}/instances/${name}`,
        // Google itself acts: no caller address, the principal is a system account.
        authenticationInfo: { principalEmail: 'system@google.com' },
        requestMetadata: { callerSuppliedUserAgent: 'Compute Engine' },
        status: { message: 'Instance migrated during Compute Engine maintenance.' },
      },
    ),
  ];
}

function policyDenied(rand: Rand, ctx: EntryContext): GcpLogEntry[] {
  const project = projectOf(ctx.resourceName);
  const who = caller(rand, project);
  return [
    envelope(
      rand,
      ctx,
      'policy',
      'ERROR',
      { type: 'audited_resource', labels: { project_id: project, service: 'storage.googleapis.com', method: 'google.storage.objects.get' } },
      {
        serviceName: 'storage.googleapis.com',
        methodName: 'google.storage.objects.get',
        resourceName: `projects/${Math.floor(rand() * 1e12)}`,
        status: {
          code: 7,
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
              violations: [{ type: 'VPC_SERVICE_CONTROLS', description: `${token(rand, 22)}` }],
            },
          ],
        },
        metadata: {
          '@type': 'type.googleapis.com/google.cloud.audit.VpcServiceControlAuditMetadata',
          violationReason: 'RESOURCES_NOT_IN_SAME_SERVICE_PERIMETER',
          securityPolicyInfo: { servicePerimeterName: 'accessPolicies/123456/servicePerimeters/prod', organizationId: '123456789012' },
          resourceNames: [`projects/_/buckets/${project}-artifacts/objects/secret.txt`],
        },
        ...who,
      },
    ),
  ];
}

const BUILDERS: Record<AuditLogType, (rand: Rand, ctx: EntryContext) => GcpLogEntry[]> = {
  activity: adminActivity,
  data_access: dataAccess,
  system_event: systemEvent,
  policy: policyDenied,
};

/** The entries one audited call writes (two for a long-running operation), all of one log type. */
export function buildEntries(rand: Rand, type: AuditLogType, ctx: EntryContext): GcpLogEntry[] {
  return BUILDERS[type](rand, ctx).map((entry) => JSON.parse(JSON.stringify(entry)) as GcpLogEntry);
}
