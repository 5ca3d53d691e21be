// Building blocks shared by the source and destination schemas.
import { z } from 'zod';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * An http(s) URL without user:password: the URL is shown in the integration's public view, so a
 * credential inside it would leak.
 */
export const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  // Refinements run even after the format check failed, so the value may not parse here.
  .refine((value) => {
    const url = URL.parse(value);
    return !url || (url.username === '' && url.password === '');
  }, 'must not contain a user name or password; put credentials in their own fields');

/** A secret: non-empty, bounded, never echoed back (zod issues do not carry the input). */
export const secretSchema = (what: string) =>
  z.string().min(1, `${what} must not be empty`).max(16_384, `${what} is too long`);
