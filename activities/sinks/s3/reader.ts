// Reading an S3 destination for `verify`, with the auditor's credentials (s3:ListBucket, s3:GetObject).
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ObjectReader } from '../sink';
import { createS3Client } from './client';
import { isWebIdentity, s3ObjectUrl, type S3DestinationConfig } from './schema';

export function openS3Reader(config: S3DestinationConfig): ObjectReader {
  // A role the worker assumes with the integration's own web identity is not the auditor's: whoever runs
  // `verify` reads with their own AWS credentials (environment, profile, instance role).
  const client = createS3Client(isWebIdentity(config.credentials) ? { ...config, credentials: undefined } : config);
  return {
    urlOf: (name) => s3ObjectUrl(config.bucket, name),
    async list(prefix) {
      const objects: Array<{ name: string; bytes: number }> = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) objects.push({ name: object.Key!, bytes: object.Size ?? 0 });
        token = page.NextContinuationToken;
      } while (token);
      return objects;
    },
    async read(name) {
      const object = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: name }));
      return { body: Buffer.from(await object.Body!.transformToByteArray()), metadata: object.Metadata ?? {} };
    },
  };
}
