// Idempotency-Key on creates: the integration id is derived from the key, so the id (and with it the
// workflow id audit-log-export-<id>) is the same for every retry of one request, and Temporal's
// workflow-id uniqueness lets only one of them start an export. No store of our own is needed.
import { createHash } from 'node:crypto';
import { ApiError } from './errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The header's value, checked: 1–255 visible ASCII characters (a UUID is a good key). */
export function idempotencyKeyOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!KEY.test(value)) {
    throw new ApiError(400, 'validation_failed', `Invalid ${IDEMPOTENCY_HEADER}: use 1 to 255 visible ASCII characters, e.g. a UUID`, [
      { path: IDEMPOTENCY_HEADER, message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return value;
}

/** A UUID (version 8, "custom") from the key's sha256: stable, and never equal to a random v4 id. */
export function integrationIdForKey(key: string): string {
  const hex = createHash('sha256').update(`auditflow idempotency key\0${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
