// The S3 destination config as the API validates it: S3's bucket naming rules, regions, write-only
// secrets, the secret-free view; and how S3 errors become ExportErrors a person can act on.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { s3DestinationSchema, s3DestinationView } from '../../activities/sinks/s3/schema';
import { ambientEndpointProblem } from '../../activities/sinks/s3/client';
import { classifyS3Error } from '../../activities/sinks/s3/store';
import { writeOnlyPaths } from '../../lib/write-only-fields';

const valid = {
  type: 's3',
  bucket: 'my-audit-logs',
  region: 'eu-west-1',
  prefix: 'mondoo/',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
};

/** An SDK error as @aws-sdk/client-s3 throws it. */
const sdkError = (Code: string | undefined, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(Code ?? 'UnknownError'), { name: Code ?? 'Unknown', ...(Code ? { Code } : {}), $metadata: { httpStatusCode: status }, ...extra });

const INTEGRATION = '4b0c2f5e-8a51-4d3c-9e07-1f2a3b4c5d6e';

describe('S3 destination schema', () => {
  it('accepts access keys, ambient credentials, a custom endpoint and encryption', () => {
    expect(s3DestinationSchema.parse(valid)).toEqual(valid);
    const { credentials: _, ...ambient } = valid;
    expect(s3DestinationSchema.parse({ ...ambient, prefix: undefined })).toEqual({ ...ambient, prefix: '' });
    const r2 = { ...valid, region: 'auto', endpoint: 'https://acct.r2.cloudflarestorage.com', forcePathStyle: true, serverSideEncryption: { type: 'AES256' } };
    expect(s3DestinationSchema.parse(r2)).toEqual(r2);
    const kms = {
      ...valid,
      serverSideEncryption: { type: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    };
    expect(s3DestinationSchema.parse(kms)).toEqual(kms);
    const withToken = { ...valid, credentials: { ...valid.credentials, sessionToken: 'FwoGZXIvYXdzE' } };
    expect(s3DestinationSchema.parse(withToken)).toEqual(withToken);
  });

  it.each([
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['My-Bucket', /lowercase/],
    ['my_bucket', /lowercase/],
    ['-bucket', /start and end/],
    ['bucket.', /start and end/],
    ['my..bucket', /adjacent dots/],
    ['192.168.5.4', /IP address/],
    ['xn--bucket', /xn--/],
    ['sthree-bucket', /sthree-/],
    ['amzn-s3-demo-bucket', /amzn-s3-demo-/],
    ['bucket-s3alias', /-s3alias/],
    ['bucket--ol-s3', /--ol-s3/],
    ['bucket.mrap', /\.mrap/],
    ['bucket--x-s3', /--x-s3/],
    ['bucket--table-s3', /--table-s3/],
  ])('rejects bucket %j by S3 naming rules', (bucket, rule) => {
    const result = s3DestinationSchema.safeParse({ ...valid, bucket });
    expect(result.success).toBe(false);
    expect(z.prettifyError(result.error!)).toMatch(rule);
  });

  it('accepts names S3 accepts, with dots and digits', () => {
    for (const bucket of ['abc', 'my.audit.logs', '1-logs', 'a'.repeat(63), 'goog-logs'])
      expect(s3DestinationSchema.safeParse({ ...valid, bucket }).success).toBe(true);
  });

  it('rejects bad regions, prefixes, endpoints, encryption and unknown fields with the field named', () => {
    const problems = (patch: Record<string, unknown>) => {
      const result = s3DestinationSchema.safeParse({ ...valid, ...patch });
      expect(result.success).toBe(false);
      return result.error!.issues.map((issue) => issue.path.join('.'));
    };
    expect(problems({ region: 'EU West 1' })).toEqual(['region']);
    expect(problems({ region: undefined })).toEqual(['region']);
    expect(problems({ prefix: '/abs' })).toEqual(['prefix']);
    expect(problems({ prefix: 'a/../b' })).toEqual(['prefix']);
    expect(problems({ endpoint: 'ftp://x' })).toEqual(['endpoint']);
    expect(problems({ endpoint: 'https://key:secret@s3.example.net' })).toEqual(['endpoint']);
    expect(problems({ serverSideEncryption: { type: 'aws:kms', kmsKeyId: 'k', extra: 1 } })).toEqual(['serverSideEncryption']);
    expect(problems({ serverSideEncryption: { type: 'DES' } })).toEqual(['serverSideEncryption.type']);
    // A union of credential kinds: the API names credentials.secretAccessKey (api/errors.ts, api-validation's table).
    expect(problems({ credentials: { accessKeyId: 'AKIA' } })).toEqual(['credentials']);
    expect(problems({ credentials: { roleArn: 'arn:aws:iam::1:role/x' } })).toEqual(['credentials.roleArn']);
    expect(problems({ credentials: { ...valid.credentials, roleArn: 'arn:aws:iam::1:role/x' } })).toEqual(['credentials']);
    expect(problems({ credentials: { ...valid.credentials, accessKeyId: 'AKIA EXAMPLE' } })).toEqual(['credentials.accessKeyId']);
    expect(problems({ bucketName: 'x' })).toEqual(['']);
  });

  it('marks the secret access key and session token write-only and never echoes them', () => {
    expect(writeOnlyPaths(s3DestinationSchema)).toEqual(['credentials.secretAccessKey', 'credentials.sessionToken']);
    const result = s3DestinationSchema.safeParse({
      ...valid,
      bucket: 'Bad',
      credentials: { ...valid.credentials, secretAccessKey: 42, sessionToken: 'tok-Zq81' },
    });
    expect(JSON.stringify(result.error!.issues)).not.toMatch(/tok-Zq81|wJalrXUtnFEMI/);
  });

  it('shows the credential kind, never a key, in its view', () => {
    const view = s3DestinationView(s3DestinationSchema.parse({ ...valid, endpoint: 'https://s3.example.net', forcePathStyle: true }), INTEGRATION);
    expect(view).toEqual({
      type: 's3',
      bucket: 'my-audit-logs',
      region: 'eu-west-1',
      prefix: 'mondoo/',
      endpoint: 'https://s3.example.net',
      forcePathStyle: true,
      auth: 'accessKeys',
    });
    const { credentials: _, ...ambient } = valid;
    expect(s3DestinationView(s3DestinationSchema.parse(ambient), INTEGRATION).auth).toBe('ambient');
    expect(JSON.stringify(view)).not.toMatch(/AKIA|wJalr/);
  });

  it('web identity: a role ARN, no stored key; the view names the role, subject and audience to trust', () => {
    const roleArn = 'arn:aws:iam::123456789012:role/auditflow/export-role';
    const parsed = s3DestinationSchema.parse({ ...valid, credentials: { roleArn }, compression: 'gzip', prefix: 'mondoo/%Y/%m/%d/' });
    expect(s3DestinationView(parsed, INTEGRATION)).toEqual({
      type: 's3',
      bucket: 'my-audit-logs',
      region: 'eu-west-1',
      prefix: 'mondoo/%Y/%m/%d/',
      compression: 'gzip',
      auth: 'webIdentity',
      roleArn,
      subject: `auditflow:integration:${INTEGRATION}`,
      audience: 'sts.amazonaws.com',
    });
    for (const bad of ['arn:aws:iam::123:role/x', 'arn:aws:iam::123456789012:user/x', 'my-role']) {
      const result = s3DestinationSchema.safeParse({ ...valid, credentials: { roleArn: bad } });
      expect(result.success, bad).toBe(false);
    }
    expect(s3DestinationSchema.safeParse({ ...valid, credentials: { roleArn, accessKeyId: 'AKIA' } }).success).toBe(false);
  });

  it('sends ambient credentials to AWS, and to a custom endpoint only when the operator trusts it', () => {
    const { credentials: _, ...ambient } = s3DestinationSchema.parse(valid);
    expect(ambientEndpointProblem(ambient, {})).toBeUndefined();
    const custom = { ...ambient, endpoint: 'https://s3.example.net/base' };
    expect(ambientEndpointProblem(custom, {})).toMatch(/https:\/\/s3\.example\.net is not trusted .*AUDITFLOW_S3_TRUSTED_ENDPOINTS/);
    expect(ambientEndpointProblem(custom, { AUDITFLOW_S3_TRUSTED_ENDPOINTS: 'https://other.example, https://s3.example.net' })).toBeUndefined();
    expect(ambientEndpointProblem({ ...custom, credentials: valid.credentials }, {})).toBeUndefined();
  });
});

describe('S3 error classification', () => {
  const destination = s3DestinationSchema.parse(valid);
  const classify = (error: unknown, d = destination) => classifyS3Error(error, d, 'mondoo/org-a-audit-logs-1-1000.jsonl');

  it('a denied PutObject names the permission and the prefix, and is not retried', () => {
    const error = classify(sdkError('AccessDenied', 403));
    expect(error).toMatchObject({ kind: 'DestinationPermission', retryable: false });
    expect(error.message).toContain('Grant the credential s3:PutObject on arn:aws:s3:::my-audit-logs/mondoo/*.');
    const kms = classify(sdkError('AccessDenied', 403), { ...destination, serverSideEncryption: { type: 'aws:kms', kmsKeyId: 'k' } });
    expect(kms.message).toContain('kms:GenerateDataKey');
  });

  it('a missing bucket names the bucket', () => {
    expect(classify(sdkError('NoSuchBucket', 404))).toMatchObject({
      kind: 'BucketNotFound',
      retryable: false,
      message: expect.stringContaining('Bucket "my-audit-logs" does not exist in eu-west-1'),
    });
  });

  it('rejected keys say which part is wrong', () => {
    expect(classify(sdkError('SignatureDoesNotMatch', 403))).toMatchObject({
      kind: 'DestinationAuth',
      retryable: false,
      message: expect.stringContaining('secretAccessKey does not belong to the accessKeyId'),
    });
    expect(classify(sdkError('InvalidAccessKeyId', 403)).message).toContain('accessKeyId does not exist');
    expect(classify(sdkError('ExpiredToken', 400)).message).toContain('session token');
  });

  it('a bucket in another region says which region', () => {
    expect(classify(sdkError('PermanentRedirect', 301, { $response: { headers: { 'x-amz-bucket-region': 'us-west-2' } } })).message).toContain(
      "set the integration's region to us-west-2",
    );
  });

  it('throttling, server errors, corruption in transit and network failures are retried', () => {
    for (const error of [
      sdkError('SlowDown', 503),
      sdkError('InternalError', 500),
      sdkError('BadDigest', 400),
      sdkError(undefined, 502),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', name: 'Error' }),
    ]) {
      expect(classify(error)).toMatchObject({ kind: 'DestinationUnavailable', retryable: true });
    }
  });

  it('missing ambient credentials are a configuration error a person fixes', () => {
    const { credentials: _, ...ambient } = destination;
    expect(classify(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), ambient)).toMatchObject({
      kind: 'DestinationAuth',
      retryable: false,
    });
  });
});
