// The integration run's S3 server (versitygw, started once by test/global-setup.ts) through the real SDK.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { isManifestName } from '../../lib/evidence/format';
import { S3_SERVER_REGION } from '../../lib/local-infra';
import { jsonlOf } from '../../activities/sinks/object-format';

import { S3_ROOT_CREDENTIALS } from './s3-root';

export { S3_ROOT_CREDENTIALS };
export const S3_REGION = S3_SERVER_REGION;

export function s3Client(credentials: { accessKeyId: string; secretAccessKey: string } = S3_ROOT_CREDENTIALS): S3Client {
  // A copy: the SDK marks the credentials object it is given (a `$source` field).
  return new S3Client({ region: S3_REGION, endpoint: inject('s3Endpoint'), forcePathStyle: true, credentials: { ...credentials } });
}

/** A fresh bucket per test (S3 rules: lowercase, 3-63 characters). */
export async function createS3TestBucket(client = s3Client()): Promise<string> {
  const name = `test-${randomUUID().slice(0, 18)}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/**
 * A user of the server that may do nothing until a bucket policy grants it something, as an IAM user
 * without policies. Its secret is distinctive, so the secret scan can look for it.
 */
export async function createS3User(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const user = { accessKeyId: `exporter-${randomUUID().slice(0, 8)}`, secretAccessKey: `s3-secret-${randomUUID()}` };
  await s3Admin(['create-user', '--access', user.accessKeyId, '--secret', user.secretAccessKey, '--role', 'user']);
  return user;
}

/** Gives a user a new secret access key (as rotating an IAM user's key). */
export async function setS3UserSecret(accessKeyId: string, secretAccessKey: string): Promise<void> {
  await s3Admin(['update-user', '--access', accessKeyId, '--secret', secretAccessKey]);
}

async function s3Admin(args: string[]): Promise<void> {
  await promisify(execFile)(inject('s3Binary'), ['admin', '--endpoint-url', inject('s3AdminEndpoint'), ...args], {
    env: { ...process.env, ADMIN_ACCESS_KEY_ID: S3_ROOT_CREDENTIALS.accessKeyId, ADMIN_SECRET_ACCESS_KEY: S3_ROOT_CREDENTIALS.secretAccessKey },
  });
}

/** The least-privilege policy the README gives: s3:PutObject on the prefix, nothing else. */
export async function grantPutObject(bucket: string, prefix: string, accessKeyId: string, client = s3Client()): Promise<void> {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [accessKeyId] }, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/${prefix}*`] }],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
}

/** Every object's JSON Lines under `prefix`; `.gz` ones gunzipped. */
export async function readS3Objects(bucket: string, prefix = '', client = s3Client()): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const { Key } of page.Contents ?? []) {
      if (isManifestName(Key!)) continue; // verify's to read (issue 17)
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key! }));
      contents.set(Key!, jsonlOf(Key!, Buffer.from(await object.Body!.transformToByteArray())));
    }
    token = page.NextContinuationToken;
  } while (token);
  return contents;
}
