// The Google Cloud Storage destination as the API accepts it, and its secret-free view.
import { z } from 'zod';
import { utf8Bytes } from '../../../workflows/object-names';

/** Google Cloud Storage's limit on an object name, in bytes of UTF-8. */
export const MAX_OBJECT_NAME_BYTES = 1024;
import { httpUrlSchema, safeText, secretSchema } from '../../../api/schemas/common';
import { tokenUriProblem } from './token-uri';
import { parseServiceAccountJson } from './service-account-key';
import { wifPrincipalFor, wifSubjectFor } from '../../../lib/wif';
import { compressionSchema, compressionView, PREFIX_TEMPLATE_DOC, prefixTemplateRefinement } from '../destination-options';

/**
 * Google's bucket naming rules (https://cloud.google.com/storage/docs/buckets#naming), checked here so
 * a typo is a 400 at creation instead of an error at the first upload. Returns what is wrong, if anything.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9._-]+$/.test(name)) return 'may contain only lowercase letters, digits, "-", "_" and "."';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('.')) {
    if (name.length < 3 || name.length > 222) return 'must be 3 to 222 characters long when it contains dots';
    const components = name.split('.');
    if (components.some((c) => c.length === 0)) return 'must not contain empty dot-separated parts ("..")';
    if (components.some((c) => c.length > 63)) return 'must have dot-separated parts of at most 63 characters';
  } else if (name.length < 3 || name.length > 63) {
    return 'must be 3 to 63 characters long';
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be an IP address';
  if (name.startsWith('goog')) return 'must not start with "goog"';
  if (name.includes('google')) return 'must not contain "google"';
  return undefined;
}

export const bucketNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    const problem = bucketNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: `bucket name ${problem}` });
  })
  .meta({ description: 'An existing bucket; the exporter needs only roles/storage.objectCreator on it.', example: 'my-audit-log-bucket' });

/** GCS reserves object names under this path for domain verification; writes there are refused. */
const RESERVED_PREFIX = '.well-known/acme-challenge/';

/**
 * The byte limit of the whole object name (prefix plus the longest file name the exporter appends) is
 * checked with the scope in createIntegrationSchema; this is the part that needs no scope.
 */
export const objectPrefixSchema = z
  .string()
  .refine((p) => utf8Bytes(p) <= MAX_OBJECT_NAME_BYTES, `prefix must be at most ${MAX_OBJECT_NAME_BYTES} bytes of UTF-8`)
  .superRefine(safeText('prefix'))
  .refine((p) => !p.startsWith('/'), 'prefix must not start with "/"')
  .refine((p) => !p.includes('..'), 'prefix must not contain ".."')
  .refine((p) => !p.startsWith(RESERVED_PREFIX), `prefix must not start with "${RESERVED_PREFIX}" (reserved by Google Cloud Storage)`)
  .superRefine(prefixTemplateRefinement)
  .default('')
  .meta({ description: `Prepended to every object name, e.g. "mondoo/". Default: the bucket root. ${PREFIX_TEMPLATE_DOC}`, example: 'mondoo/' });

/** A Cloud KMS key's resource name, as GCS takes it for customer-managed encryption. */
const KMS_KEY_NAME = /^projects\/[^/\s]+\/locations\/[^/\s]+\/keyRings\/[^/\s]+\/cryptoKeys\/[^/\s]+$/;

/**
 * One spelling per endpoint, so the worker gets what the storage client can use (it appends
 * /storage/v1 itself and breaks on "HTTP://") and equal endpoints look equal: lowercase scheme and
 * host, no default port, no trailing slash, no /storage/v1 suffix.
 */
export function normalizeGcsEndpoint(value: string): string {
  const url = URL.parse(value);
  if (!url) return value;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/i, '');
  return `${url.protocol}//${url.host}${path}`;
}

export const gcsEndpointSchema = httpUrlSchema
  .refine((value) => !URL.parse(value)?.search && !URL.parse(value)?.hash, 'must not have a query or a fragment')
  .overwrite(normalizeGcsEndpoint)
  .meta({
    description:
      'An emulator or private endpoint instead of https://storage.googleapis.com; stored normalized (lowercase scheme and host, no default port, no trailing "/" or "/storage/v1").',
  });

const serviceAccountKeyCredentialsSchema = z
  .strictObject({
    serviceAccountJson: secretSchema('serviceAccountJson')
      .superRefine((json, ctx) => {
        const parsed = parseServiceAccountJson(json);
        // The same checks, in the same words, as the worker's (activities/sinks/gcs/credentials.ts).
        const problem = 'problem' in parsed ? parsed.problem : tokenUriProblem(parsed.key.token_uri);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({ description: 'The JSON key file of a service account, as a string. Write-only: never returned.', writeOnly: true }),
  })
  .meta({ title: 'ServiceAccountKeyCredentials' });

const WIF_AUDIENCE = /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/\s]+\/providers\/[^/\s]+$/;

const workloadIdentitySchema = z
  .strictObject({
    wifAudience: z
      .string()
      .regex(WIF_AUDIENCE, 'wifAudience must be //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>'),
    wifServiceAccountEmail: z.email({ error: 'wifServiceAccountEmail must be a service account e-mail address' }),
  })
  .meta({ title: 'WorkloadIdentityFederationCredentials' });

export const gcsCredentialsSchema = z
  .union([serviceAccountKeyCredentialsSchema, workloadIdentitySchema], {
    error: 'credentials must be exactly one of {serviceAccountJson} or {wifAudience, wifServiceAccountEmail}; omit it for ambient credentials',
  })
  .meta({ description: 'Absent: ambient credentials (Application Default Credentials of the worker).' });

export const gcsDestinationSchema = z
  .strictObject({
    type: z.literal('gcs'),
    bucket: bucketNameSchema,
    prefix: objectPrefixSchema,
    credentials: gcsCredentialsSchema.optional(),
    endpoint: gcsEndpointSchema.optional(),
    kmsKeyName: z
      .string()
      .max(512, 'kmsKeyName must be at most 512 characters')
      .regex(KMS_KEY_NAME, 'kmsKeyName must be projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>')
      .optional()
      .meta({
        description:
          "Customer-managed encryption (CMEK): objects are encrypted with this Cloud KMS key. Grant the bucket project's Cloud Storage service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on it; the exporter needs nothing more. Absent: the bucket's default key.",
        example: 'projects/my-project/locations/europe-west1/keyRings/audit/cryptoKeys/audit-logs',
      }),
    compression: compressionSchema,
  })
  .meta({ title: 'GcsDestination' });

export const gcsAuthKinds = ['serviceAccountKey', 'workloadIdentityFederation', 'ambient'] as const;

/** The secret-free view: the kind of credential, and for federation the (public) audience and account. */
export const gcsDestinationViewSchema = z
  .strictObject({
    type: z.literal('gcs'),
    bucket: z.string(),
    prefix: z.string(),
    endpoint: z.string().optional(),
    kmsKeyName: z.string().optional(),
    compression: z.enum(['none', 'gzip']).optional(),
    auth: z.enum(gcsAuthKinds),
    wifAudience: z.string().optional(),
    wifServiceAccountEmail: z.string().optional(),
    wifSubject: z.string().optional().meta({ description: 'The `sub` of the tokens auditflow signs for this integration: bind it to the service account.' }),
    wifPrincipal: z.string().optional().meta({ description: 'The IAM principal to grant roles/iam.workloadIdentityUser on the service account.' }),
  })
  .meta({ title: 'GcsDestinationView' });

export function gcsDestinationView(destination: z.output<typeof gcsDestinationSchema>, integrationId: string): z.output<typeof gcsDestinationViewSchema> {
  const { credentials, type, bucket, prefix, endpoint, kmsKeyName, compression } = destination;
  const base = { type, bucket, prefix, ...(endpoint ? { endpoint } : {}), ...(kmsKeyName ? { kmsKeyName } : {}), ...compressionView(compression) };
  if (!credentials) return { ...base, auth: 'ambient' };
  if ('serviceAccountJson' in credentials) return { ...base, auth: 'serviceAccountKey' };
  const { wifAudience, wifServiceAccountEmail } = credentials;
  const wifSubject = wifSubjectFor(integrationId);
  const wifPrincipal = wifPrincipalFor(wifAudience, wifSubject);
  return { ...base, auth: 'workloadIdentityFederation', wifAudience, wifServiceAccountEmail, wifSubject, ...(wifPrincipal ? { wifPrincipal } : {}) };
}

export type GcsDestinationConfig = z.output<typeof gcsDestinationSchema>;
export type GcsCredentials = z.output<typeof gcsCredentialsSchema>;
export type GcsDestinationView = z.output<typeof gcsDestinationViewSchema>;
