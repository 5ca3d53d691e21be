// The S3 sink against a real S3 server (versitygw: SigV4 verified, If-None-Match honoured, users and
// bucket policies) through the real SDK: create-only writes, a retried write that finds its object,
// least privilege, denied and rejected credentials, a missing bucket. (The connection test writes
// through the same createOnly: test/integration/connection-test.test.ts.)
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { createS3Client } from '../../activities/sinks/s3/client';
import { s3DestinationSchema, type S3DestinationConfig } from '../../activities/sinks/s3/schema';
import { S3ObjectStore } from '../../activities/sinks/s3/store';
import { ExportError } from '../../activities/errors';
import { createS3TestBucket, createS3User, grantPutObject, readS3Objects, S3_REGION, S3_ROOT_CREDENTIALS, s3Client } from '../helpers/s3';

function destination(
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = S3_ROOT_CREDENTIALS,
  prefix = 'mondoo/',
): S3DestinationConfig {
  return s3DestinationSchema.parse({
    type: 's3',
    bucket,
    region: S3_REGION,
    prefix,
    endpoint: inject('s3Endpoint'),
    forcePathStyle: true,
    credentials: { ...credentials },
  });
}

const store = (d: S3DestinationConfig) => new S3ObjectStore(createS3Client(d, {}), d);
const body = (text: string) => Buffer.from(`${text}\n`);

async function failure(promise: Promise<unknown>): Promise<ExportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

describe('S3 sink against versitygw', () => {
  it('writes create-only: a second write of the name finds it, and tells same bytes from different ones', async () => {
    const bucket = await createS3TestBucket();
    const s3 = store(destination(bucket));
    expect(await s3.createOnly('mondoo/a-1-2.jsonl', body('{"n":1}'))).toBe('created');
    expect(await readS3Objects(bucket)).toEqual(new Map([['mondoo/a-1-2.jsonl', '{"n":1}\n']]));
    // A retry after a lost response: the server refuses (412) and nothing is overwritten.
    expect(await s3.createOnly('mondoo/a-1-2.jsonl', body('{"n":2}'))).toBe('exists');
    expect(await readS3Objects(bucket)).toEqual(new Map([['mondoo/a-1-2.jsonl', '{"n":1}\n']]));
    expect(await s3.holdsSameBytes('mondoo/a-1-2.jsonl', body('{"n":1}'))).toBe(true);
    expect(await s3.holdsSameBytes('mondoo/a-1-2.jsonl', body('{"n":2}'))).toBe(false);
    expect(s3.urlOf('mondoo/a-1-2.jsonl')).toBe(`s3://${bucket}/mondoo/a-1-2.jsonl`);
  });

  it('works with only s3:PutObject on the prefix: an existing object is taken as ours, other prefixes are denied', async () => {
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    const s3 = store(destination(bucket, user));
    expect(await s3.createOnly('mondoo/a-1-2.jsonl', body('x'))).toBe('created');
    expect(await s3.createOnly('mondoo/a-1-2.jsonl', body('x'))).toBe('exists');
    expect(await s3.holdsSameBytes('mondoo/a-1-2.jsonl', body('x'))).toBeUndefined(); // HEAD needs s3:GetObject
    const elsewhere = store(destination(bucket, user, 'other/'));
    const denied = await failure(elsewhere.createOnly('other/a-1-2.jsonl', body('x')));
    expect(denied).toMatchObject({ kind: 'DestinationPermission', retryable: false });
    expect(denied.message).toContain(`Grant the credential s3:PutObject on arn:aws:s3:::${bucket}/other/*`);
    // The denied write left nothing behind.
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['mondoo/a-1-2.jsonl']);
  });

  it('a user without rights is denied with the fix named, and writes once granted', async () => {
    const bucket = await createS3TestBucket();
    const user = await createS3User();
    const d = destination(bucket, user);
    const deniedError = await failure(store(d).createOnly('mondoo/x.jsonl', body('x')));
    expect(deniedError).toMatchObject({ kind: 'DestinationPermission', retryable: false });
    expect(deniedError.message).toContain(`s3:PutObject on arn:aws:s3:::${bucket}/mondoo/*`);
    await grantPutObject(bucket, 'mondoo/', user.accessKeyId);
    expect(await store(d).createOnly('mondoo/x.jsonl', body('x'))).toBe('created');
  });

  it('a wrong secret or an unknown key id is rejected by signature, never quoting the secret', async () => {
    const bucket = await createS3TestBucket();
    const wrongSecret = { accessKeyId: S3_ROOT_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret-Wq7x' };
    const error = await failure(store(destination(bucket, wrongSecret)).createOnly('mondoo/x.jsonl', body('x')));
    expect(error).toMatchObject({ kind: 'DestinationAuth', retryable: false });
    expect(error.message).toMatch(/SignatureDoesNotMatch.*secretAccessKey does not belong to the accessKeyId/);
    expect(error.message).not.toContain('not-the-secret-Wq7x');
    const unknown = await failure(store(destination(bucket, { accessKeyId: 'nobody', secretAccessKey: 'x' })).createOnly('mondoo/x.jsonl', body('x')));
    expect(unknown.message).toMatch(/InvalidAccessKeyId.*accessKeyId does not exist/);
  });

  it('a missing bucket is named, and writes work once it exists', async () => {
    const bucket = `missing-${Date.now()}`;
    const d = destination(bucket);
    const error = await failure(store(d).createOnly('mondoo/x.jsonl', body('x')));
    expect(error).toMatchObject({ kind: 'BucketNotFound', retryable: false });
    expect(error.message).toContain(`Bucket "${bucket}" does not exist at ${inject('s3Endpoint')}`);
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    expect(await store(d).createOnly('mondoo/x.jsonl', body('x'))).toBe('created');
  });

  it('never sends ambient credentials to an untrusted custom endpoint', async () => {
    const { credentials: _, ...ambient } = destination('any-bucket');
    expect(() => createS3Client(ambient, {})).toThrow(/not trusted with the worker's ambient AWS credentials/);
  });
});
