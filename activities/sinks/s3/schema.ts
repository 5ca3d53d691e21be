// The Amazon S3 (and S3-compatible) destination as the API accepts it, and its secret-free view.
import { z } from 'zod';
import { httpUrlSchema, safeText, secretSchema } from '../../../api/schemas/common';
import { utf8Bytes } from '../../../workflows/object-names';
import { AWS_STS_AUDIENCE, wifSubjectFor } from '../../../lib/wif';
import { compressionSchema, compressionView, PREFIX_TEMPLATE_DOC, prefixTemplateRefinement } from '../destination-options';

/** Suffixes and prefixes S3 reserves for access points, directory buckets, table buckets and its own docs. */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * S3's rules for general purpose bucket names
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), checked here so a
 * typo is a 400 at creation instead of an error at the first upload. Returns what is wrong, if anything.
 */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, "-" and "."';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `must not start with "${prefix}" (reserved by S3)`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `must not end with "${suffix}" (reserved by S3)`;
  return undefined;
}

const s3BucketNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    const problem = s3BucketNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: `bucket name ${problem}` });
  })
  .meta({ description: 'An existing bucket; the exporter needs only s3:PutObject on the prefix.', example: 'my-audit-logs' });

/** AWS regions (eu-west-1, us-gov-west-1) and what S3-compatible stores sign for (auto, garage, fr-par). */
const regionSchema = z
  .string()
  .max(64, 'region must be at most 64 characters')
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'region must be a region name such as eu-west-1 (lowercase letters, digits and "-")')
  .meta({
    description: "The bucket's region, which requests are signed for (an S3-compatible store's own, e.g. `auto` for Cloudflare R2).",
    example: 'eu-west-1',
  });

/** S3's limit on an object key, in bytes of UTF-8. */
export const S3_MAX_KEY_BYTES = 1024;

/** As GCS's prefix (the same text rules), within S3's key limit. */
const s3PrefixSchema = z
  .string()
  .refine((p) => utf8Bytes(p) <= S3_MAX_KEY_BYTES, `prefix must be at most ${S3_MAX_KEY_BYTES} bytes of UTF-8`)
  .superRefine(safeText('prefix'))
  .refine((p) => !p.startsWith('/'), 'prefix must not start with "/"')
  .refine((p) => !p.includes('..'), 'prefix must not contain ".."')
  .superRefine(prefixTemplateRefinement)
  .default('')
  .meta({ description: `Prepended to every object key, e.g. "mondoo/". Default: the bucket root. ${PREFIX_TEMPLATE_DOC}`, example: 'mondoo/' });

const accessKeysSchema = z
  .strictObject({
    accessKeyId: z
      .string()
      .min(1, 'accessKeyId must not be empty')
      .max(128, 'accessKeyId must be at most 128 characters')
      .refine((id) => !/\s/.test(id), 'accessKeyId must not contain spaces')
      .superRefine(safeText('accessKeyId'))
      .meta({ description: "The access key id (AKIA… for an IAM user, or the store's own key id)." }),
    secretAccessKey: secretSchema('secretAccessKey').meta({ description: 'The secret access key. Write-only: never returned.', writeOnly: true }),
    sessionToken: secretSchema('sessionToken')
      .optional()
      .meta({ description: "With temporary credentials only; they expire, so prefer an IAM user's keys. Write-only: never returned.", writeOnly: true }),
  })
  .meta({ title: 'S3AccessKeyCredentials' });

/** An IAM role ARN (any partition: aws, aws-cn, aws-us-gov). IAM role names: letters, digits and +=,.@_- with paths. */
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

const webIdentitySchema = z
  .strictObject({
    roleArn: z
      .string()
      .max(2048, 'roleArn must be at most 2048 characters')
      .regex(ROLE_ARN, 'roleArn must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/auditflow-export')
      .meta({
        description:
          "No stored key: the worker signs a short-lived OIDC token for this integration's subject (audience sts.amazonaws.com) with auditflow's issuer and exchanges it with STS AssumeRoleWithWebIdentity for this role. The role trusts auditflow's issuer as an OIDC provider and this integration's `destination.subject`.",
        example: 'arn:aws:iam::123456789012:role/auditflow-export',
      }),
  })
  .meta({ title: 'S3WebIdentityCredentials' });

export const s3CredentialsSchema = z
  .union([accessKeysSchema, webIdentitySchema], {
    error: 'credentials must be exactly one of {accessKeyId, secretAccessKey[, sessionToken]} or {roleArn}; omit it for ambient credentials',
  })
  .meta({
    description: "Absent: the worker's ambient AWS credentials (environment, profile, EKS IRSA / Pod Identity, instance role).",
  });

const serverSideEncryptionSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('AES256') }),
      z.strictObject({
        type: z.literal('aws:kms'),
        kmsKeyId: z
          .string()
          .min(1)
          .max(2048)
          .superRefine(safeText('kmsKeyId'))
          .optional()
          .meta({ description: "The KMS key (ARN, id or alias); absent: the account's aws/s3 key. The credential then also needs kms:GenerateDataKey on it." }),
      }),
    ],
    { error: 'serverSideEncryption must be {"type": "AES256"} or {"type": "aws:kms", "kmsKeyId": "…"}' },
  )
  .meta({ title: 'S3ServerSideEncryption', description: "Absent: the bucket's default encryption." });

export const s3DestinationSchema = z
  .strictObject({
    type: z.literal('s3'),
    bucket: s3BucketNameSchema,
    region: regionSchema,
    prefix: s3PrefixSchema,
    endpoint: httpUrlSchema
      .optional()
      .meta({ description: 'An S3-compatible store (MinIO, Cloudflare R2, Wasabi, Ceph, …) or a private endpoint instead of AWS.' }),
    forcePathStyle: z
      .boolean()
      .optional()
      .meta({ description: 'Address the bucket in the path (https://host/bucket/key) instead of the host name; most S3-compatible stores need it.' }),
    credentials: s3CredentialsSchema.optional(),
    serverSideEncryption: serverSideEncryptionSchema.optional(),
    compression: compressionSchema,
  })
  .meta({ title: 'S3Destination' });

export const s3AuthKinds = ['accessKeys', 'webIdentity', 'ambient'] as const;

/** The secret-free view: every field but the credentials, which show only as their kind. */
export const s3DestinationViewSchema = z
  .strictObject({
    type: z.literal('s3'),
    bucket: z.string(),
    region: z.string(),
    prefix: z.string(),
    endpoint: z.string().optional(),
    forcePathStyle: z.boolean().optional(),
    serverSideEncryption: z.object({ type: z.enum(['AES256', 'aws:kms']), kmsKeyId: z.string().optional() }).optional(),
    compression: z.enum(['none', 'gzip']).optional(),
    auth: z.enum(s3AuthKinds),
    roleArn: z.string().optional().meta({ description: 'webIdentity: the role the worker assumes.' }),
    subject: z
      .string()
      .optional()
      .meta({ description: "webIdentity: the `sub` of the tokens auditflow signs for this integration; the role's trust policy must require it." }),
    audience: z.string().optional().meta({ description: 'webIdentity: the `aud` of those tokens (sts.amazonaws.com), as the OIDC provider lists it.' }),
  })
  .meta({ title: 'S3DestinationView' });

export type S3DestinationConfig = z.output<typeof s3DestinationSchema>;
export type S3DestinationView = z.output<typeof s3DestinationViewSchema>;

export type S3Credentials = NonNullable<S3DestinationConfig['credentials']>;
export type S3WebIdentityCredentials = Extract<S3Credentials, { roleArn: string }>;
export const isWebIdentity = (credentials: S3Credentials | undefined): credentials is S3WebIdentityCredentials =>
  credentials !== undefined && 'roleArn' in credentials;

export function s3DestinationView(destination: S3DestinationConfig, integrationId: string): S3DestinationView {
  const { type, bucket, region, prefix, endpoint, forcePathStyle, serverSideEncryption, compression, credentials } = destination;
  return {
    type,
    bucket,
    region,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(forcePathStyle !== undefined ? { forcePathStyle } : {}),
    ...(serverSideEncryption ? { serverSideEncryption } : {}),
    ...compressionView(compression),
    ...(isWebIdentity(credentials)
      ? { auth: 'webIdentity' as const, roleArn: credentials.roleArn, subject: wifSubjectFor(integrationId), audience: AWS_STS_AUDIENCE }
      : { auth: credentials ? ('accessKeys' as const) : ('ambient' as const) }),
  };
}

/** How people and the AWS CLI name an object (or, with a prefix as `name`, a folder). */
export const s3ObjectUrl = (bucket: string, name: string): string => `s3://${bucket}/${name}`;
