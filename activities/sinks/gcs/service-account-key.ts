// The one schema of a GCS service-account key file, used by the API (a bad key is a 400 at creation) and
// by the worker's credentials (gcs-credentials.ts), so the two can never disagree about what a key is.
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';

/** The key file fields we use; anything but a service-account key is refused (no external configs). */
export const serviceAccountKeySchema = z.object({
  type: z.literal('service_account', { error: 'type must be "service_account"' }),
  client_email: z.string({ error: 'client_email is required' }).min(1, 'client_email must not be empty'),
  private_key: z
    .string({ error: 'private_key is required' })
    .min(1, 'private_key must not be empty')
    // What google-auth-library will sign with; a key it cannot read fails only at the first upload.
    .refine(isReadablePrivateKey, 'private_key is not a readable PEM private key'),
  private_key_id: z.string().optional(),
  project_id: z.string().optional(),
  token_uri: z.url({ protocol: /^https?$/ }).optional(),
});
export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

function isReadablePrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a key file given as a string. The problem, when there is one, names fields only: a parser
 * message may quote the JSON, and the JSON holds a private key.
 */
export function parseServiceAccountJson(json: string): { key: ServiceAccountKey } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: 'serviceAccountJson is not valid JSON; paste the whole key file as a string' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'serviceAccountJson must be a JSON object (a key file)' };
  const result = serviceAccountKeySchema.safeParse(parsed);
  if (result.success) return { key: result.data };
  const problems = [...new Set(result.error.issues.map((issue) => issue.message))].join('; ');
  return {
    problem: `serviceAccountJson is not a service-account key file (${problems}); use the JSON key file downloaded from IAM → Service accounts → Keys as a whole`,
  };
}
