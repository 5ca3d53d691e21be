// The Cloud Audit Logs source as the API accepts it (and the worker types it), its secret-free view,
// and its scope in object names.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { httpUrlSchema } from '../../../api/schemas/common';
import { gcsCredentialsSchema } from '../../sinks/gcs/schema';
import { MAX_USER_FILTER_CHARS, userFilterProblem } from './query';
import { AUDIT_LOG_TYPES, CLOUD_LOGGING_DEFAULT_ENDPOINT, DEFAULT_AUDIT_LOG_TYPES } from './types';

/**
 * The resources Cloud Logging reads logs of, by Google's naming rules (project ids: 6 to 30 lowercase
 * letters, digits and hyphens, starting with a letter; billing accounts: three groups of six
 * hexadecimal digits). They become part of object names, so nothing else is let through.
 */
export const RESOURCE_NAME =
  /^(projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]|folders\/\d{1,20}|organizations\/\d{1,20}|billingAccounts\/[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6})$/;
export const MAX_RESOURCE_NAMES = 100;

const resourceNameSchema = z
  .string()
  .regex(RESOURCE_NAME, 'each resource name must be projects/<project-id>, folders/<number>, organizations/<number> or billingAccounts/<XXXXXX-XXXXXX-XXXXXX>');

export const gcpAuditLogsSourceSchema = z
  .strictObject({
    type: z.literal('gcp-audit-logs'),
    resourceNames: z
      .array(resourceNameSchema)
      .min(1, 'resourceNames must name at least one resource')
      .max(MAX_RESOURCE_NAMES, `resourceNames must name at most ${MAX_RESOURCE_NAMES} resources`)
      .refine((names) => new Set(names).size === names.length, 'resourceNames must name each resource once')
      .meta({ description: 'Whose Cloud Audit Logs to read: projects, folders, organizations and billing accounts.', example: ['projects/my-project'] }),
    logTypes: z
      .array(z.enum(AUDIT_LOG_TYPES, { error: `each log type must be one of ${AUDIT_LOG_TYPES.join(', ')}` }))
      .min(1, 'logTypes must select at least one audit log')
      .refine((types) => new Set(types).size === types.length, 'logTypes must name each log once')
      .default([...DEFAULT_AUDIT_LOG_TYPES])
      .meta({
        description:
          'Which audit logs: activity (Admin Activity), data_access (opt-in: it can be huge and needs roles/logging.privateLogViewer), system_event, policy (Policy Denied).',
      }),
    filter: z
      .string()
      .min(1, 'filter must not be empty; omit it instead')
      .max(MAX_USER_FILTER_CHARS, `filter must be at most ${MAX_USER_FILTER_CHARS} characters`)
      .superRefine((filter, ctx) => {
        const problem = userFilterProblem(filter);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .meta({ description: 'An extra Logging query ANDed to the audit-log selection and time window, e.g. protoPayload.serviceName="iam.googleapis.com".' }),
    credentials: gcsCredentialsSchema.optional().meta({
      description:
        "The same three kinds as the GCS destination: a service-account key, workload identity federation through auditflow's issuer, or absent for the worker's ambient credentials. The principal needs roles/logging.viewer on each resource (and roles/logging.privateLogViewer for data_access).",
    }),
    endpoint: httpUrlSchema.default(CLOUD_LOGGING_DEFAULT_ENDPOINT).meta({ description: "Cloud Logging's API (a private endpoint, or a local fake)." }),
  })
  .meta({ title: 'GcpAuditLogsSource' });

export type GcpAuditLogsSourceConfig = z.output<typeof gcpAuditLogsSourceSchema>;

export const gcpAuditLogsSourceViewSchema = z
  .strictObject({
    type: z.literal('gcp-audit-logs'),
    resourceNames: z.array(z.string()),
    logTypes: z.array(z.enum(AUDIT_LOG_TYPES)),
    filter: z.string().optional(),
    endpoint: z.string(),
    auth: z.enum(['serviceAccountKey', 'workloadIdentityFederation', 'ambient']),
    wifAudience: z.string().optional(),
    wifServiceAccountEmail: z.string().optional(),
  })
  .meta({ title: 'GcpAuditLogsSourceView' });

export type GcpAuditLogsSourceView = z.output<typeof gcpAuditLogsSourceViewSchema>;

export function gcpAuditLogsSourceView(source: GcpAuditLogsSourceConfig): GcpAuditLogsSourceView {
  const { type, resourceNames, logTypes, filter, endpoint, credentials } = source;
  const base = { type, resourceNames, logTypes, ...(filter === undefined ? {} : { filter }), endpoint };
  if (!credentials) return { ...base, auth: 'ambient' };
  if ('serviceAccountJson' in credentials) return { ...base, auth: 'serviceAccountKey' };
  return { ...base, auth: 'workloadIdentityFederation', wifAudience: credentials.wifAudience, wifServiceAccountEmail: credentials.wifServiceAccountEmail };
}

/**
 * One resource: `gcp-<resourceName with "/" as "-">` (`gcp-projects-my-project`); several:
 * `gcp-<n>-resources-<first 8 hex of the SHA-256 of the sorted names, one per line>`. Lowercase, as
 * object names want (billing account ids are uppercase hexadecimal).
 */
export function gcpAuditLogsScope(resourceNames: readonly string[]): { scopeSlug: string; scopeId: string } {
  const sorted = [...resourceNames].sort();
  if (sorted.length === 1) return { scopeSlug: `gcp-${sorted[0]!.replaceAll('/', '-').toLowerCase()}`, scopeId: sorted[0]! };
  const digest = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 8);
  return { scopeSlug: `gcp-${sorted.length}-resources-${digest}`, scopeId: `${sorted[0]} and ${sorted.length - 1} more` };
}
