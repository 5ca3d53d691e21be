// The shapes Endor Labs' REST API returns for audit logs and API-key authentication (one zod schema
// per external shape). Records are kept whole: what the OCSF mapper does not place goes to `unmapped`.
import { z } from 'zod';

export const ENDOR_LABS_DEFAULT_ENDPOINT = 'https://api.endorlabs.com';
/** Endor Labs keeps 30 days of audit logs in the active store; older ones live in a separate archive. */
export const ENDOR_LABS_RETENTION_DAYS = 30;
/** How late an audit log may become visible after its create_time (plus clock skew): the source's default. */
export const ENDOR_LABS_LATE_ARRIVAL_SECONDS = 120;
/** The server's default page size; it clamps larger requests to MAX. */
export const ENDOR_LABS_DEFAULT_PAGE_SIZE = 100;
export const ENDOR_LABS_MAX_PAGE_SIZE = 500;

const claimSchema = z.looseObject({
  subject: z.string().optional(),
  issuer: z.string().optional(),
  audience: z.string().optional(),
});

/**
 * One audit log (`list.objects[]`). `uuid`, `meta.create_time` and `spec.operation` are what the
 * exporter relies on; everything else is optional and passed through (loose objects), since Endor Labs
 * adds fields over time and a new field must not stop an export.
 */
export const endorAuditLogSchema = z.looseObject({
  uuid: z.string().min(1).max(128),
  tenant_meta: z.looseObject({ namespace: z.string() }),
  meta: z.looseObject({
    /** RFC 3339 with microseconds, e.g. 2024-11-13T15:30:45.123456Z. */
    create_time: z.string(),
    update_time: z.string().optional(),
    name: z.string().optional(),
    kind: z.string().optional(),
    version: z.string().optional(),
    description: z.string().optional(),
    created_by: z.string().optional(),
    updated_by: z.string().optional(),
  }),
  spec: z.looseObject({
    operation: z.string().optional(),
    message_kind: z.string().optional(),
    message_uuid: z.string().optional(),
    payload: z.unknown().optional(),
    claims: z.array(claimSchema).optional(),
    remote_address: z.string().optional(),
    error: z.string().optional(),
  }),
});
export type EndorAuditLog = z.infer<typeof endorAuditLogSchema>;

/** `GET /v1/namespaces/{namespace}/audit-logs`: the last page has no next_page_token. */
export const endorAuditLogPageSchema = z.object({
  list: z.object({
    objects: z.array(endorAuditLogSchema).default([]),
    response: z.object({ next_page_token: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).optional() }).optional(),
  }),
});

/** `POST /v1/auth/api-key`: the token and when it expires (RFC 3339). */
export const endorTokenResponseSchema = z
  .object({
    token: z.string().min(1),
    expirationTime: z.string().optional(),
    expiration_time: z.string().optional(),
  })
  .transform(({ token, expirationTime, expiration_time }) => ({ token, expiresAt: expirationTime ?? expiration_time }));

/** An audit log as the exporter carries it from fetch to map: its dedupe key is its uuid. */
export interface EndorSourceEvent {
  key: string;
  node: EndorAuditLog;
}
