// The shapes Cloud Logging's `entries.list` returns for Cloud Audit Logs (one zod schema per external
// shape), and the facts of the API the client and the fake share. Entries are kept whole: what the
// OCSF mapper does not place goes to `unmapped`, bounded.
import { z } from 'zod';

export const CLOUD_LOGGING_DEFAULT_ENDPOINT = 'https://logging.googleapis.com';
/** The OAuth scope that reads log entries (roles/logging.viewer grants the permission behind it). */
export const LOGGING_READ_SCOPE = 'https://www.googleapis.com/auth/logging.read';
/** `entries.list` answers at most this many entries per page. */
export const CLOUD_LOGGING_MAX_PAGE_SIZE = 1000;
/** Read requests per minute per project (shared by every reader of the project). */
export const CLOUD_LOGGING_QUOTA_PER_MINUTE = 60;
/** Our default pace per project: half the quota, leaving the rest to other readers and retries. */
export const DEFAULT_REQUESTS_PER_MINUTE = 30;
/**
 * Cloud Logging may show an entry minutes after its timestamp: the source's default late-arrival window.
 * Timestamps have nanoseconds and the watermark whole seconds, so an entry in the settled second itself is
 * vouched for up to one second early: the effective window is `lateArrivalSeconds - 1 s`.
 */
export const CLOUD_LOGGING_LATE_ARRIVAL_SECONDS = 600;
/** The query language's limit on `filter`. */
export const CLOUD_LOGGING_MAX_FILTER_CHARS = 20_000;

/** The four Cloud Audit Logs, by the short names the API takes in `logTypes`. */
export const AUDIT_LOG_TYPES = ['activity', 'data_access', 'system_event', 'policy'] as const;
export type AuditLogType = (typeof AUDIT_LOG_TYPES)[number];
/** Data Access logs can be huge (and need roles/logging.privateLogViewer): opt-in. */
export const DEFAULT_AUDIT_LOG_TYPES: readonly AuditLogType[] = ['activity', 'system_event', 'policy'];

/** `cloudaudit.googleapis.com/<type>`: the log id (URL-encoded as `%2F` inside a logName). */
export const auditLogId = (type: AuditLogType): string => `cloudaudit.googleapis.com/${type}`;
/** `projects/p/logs/cloudaudit.googleapis.com%2Factivity`. */
export const auditLogName = (resourceName: string, type: AuditLogType): string => `${resourceName}/logs/${encodeURIComponent(auditLogId(type))}`;

const statusSchema = z.looseObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});

/** google.cloud.audit.AuditLog: the fields the mapper reads; the rest passes through. */
export const auditLogPayloadSchema = z.looseObject({
  '@type': z.string().optional(),
  serviceName: z.string().optional(),
  methodName: z.string().optional(),
  resourceName: z.string().optional(),
  resourceLocation: z.looseObject({ currentLocations: z.array(z.string()).optional() }).optional(),
  numResponseItems: z.union([z.string(), z.number()]).optional(),
  status: statusSchema.optional(),
  authenticationInfo: z
    .looseObject({
      principalEmail: z.string().optional(),
      principalSubject: z.string().optional(),
      authoritySelector: z.string().optional(),
      serviceAccountKeyName: z.string().optional(),
      serviceAccountDelegationInfo: z.array(z.unknown()).optional(),
    })
    .optional(),
  authorizationInfo: z.array(z.looseObject({ resource: z.string().optional(), permission: z.string().optional(), granted: z.boolean().optional() })).optional(),
  policyViolationInfo: z.unknown().optional(),
  requestMetadata: z
    .looseObject({
      callerIp: z.string().optional(),
      callerSuppliedUserAgent: z.string().optional(),
      callerNetwork: z.string().optional(),
    })
    .optional(),
  request: z.unknown().optional(),
  response: z.unknown().optional(),
  metadata: z.unknown().optional(),
  serviceData: z.unknown().optional(),
});

/**
 * One LogEntry. `logName`, `timestamp` (RFC 3339, up to nanoseconds) and `insertId` identify it: the
 * same triple returned twice is the same entry. Loose objects: Google adds fields over time, and a new
 * field must not stop an export.
 */
export const logEntrySchema = z.looseObject({
  logName: z.string().min(1).max(512),
  timestamp: z.string().min(1).max(64),
  insertId: z.string().min(1).max(256),
  receiveTimestamp: z.string().optional(),
  severity: z.string().optional(),
  resource: z.looseObject({ type: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  operation: z
    .looseObject({ id: z.string().optional(), producer: z.string().optional(), first: z.boolean().optional(), last: z.boolean().optional() })
    .optional(),
  trace: z.string().optional(),
  spanId: z.string().optional(),
  protoPayload: auditLogPayloadSchema.optional(),
});
export type GcpLogEntry = z.infer<typeof logEntrySchema>;

/** `POST /v2/entries:list`: a page may have no entries and still a nextPageToken (the search goes on). */
export const listEntriesResponseSchema = z.object({
  entries: z.array(logEntrySchema).default([]),
  nextPageToken: z.string().optional(),
});

/** Google's error body: `{"error":{"code","message","status","details"}}`. */
export const googleErrorSchema = z.object({
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() }),
});
