// Building blocks shared by the source and destination schemas.
import { z } from 'zod';

/**
 * What a name or an object name must not contain, and why: each of these passed the API once and then
 * either failed in the worker or made a name lie about itself in the UI and the bucket listing.
 */
const UNSAFE_TEXT: Array<[RegExp, string]> = [
  // Not UTF-8 at all: encodeURIComponent in the storage client throws "URI malformed" at upload time.
  [/\p{Cs}/u, 'must be valid Unicode (it contains a lone surrogate)'],
  // C0 and C1 controls, DEL; GCS refuses CR and LF in object names outright.
  [/\p{Cc}/u, 'must not contain control characters'],
  // Bidi overrides and isolates (U+202E…), zero-width characters, the BOM: text that reads differently than it is.
  [/\p{Cf}/u, 'must not contain invisible formatting characters (bidi overrides, zero-width characters)'],
  [/[\p{Zl}\p{Zp}]/u, 'must not contain line or paragraph separators (U+2028, U+2029)'],
];

/** The first rule `text` breaks, as "<what> <rule>", or undefined. */
export function unsafeTextProblem(what: string, text: string): string | undefined {
  for (const [pattern, rule] of UNSAFE_TEXT) if (pattern.test(text)) return `${what} ${rule}`;
  return undefined;
}

/** A refinement for z.string().superRefine(): the text rules above. */
export const safeText =
  (what: string) =>
  (text: string, ctx: z.core.$RefinementCtx<string>): void => {
    const problem = unsafeTextProblem(what, text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };

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
  }, 'must not contain a user name or password; put credentials in their own fields')
  // Nothing listens on port 0: the worker would fail at its first request.
  .refine((value) => URL.parse(value)?.port !== '0', 'must not use port 0');

/** A secret: non-empty, bounded, never echoed back (zod issues do not carry the input). */
export const secretSchema = (what: string) => z.string().min(1, `${what} must not be empty`).max(16_384, `${what} is too long`);
