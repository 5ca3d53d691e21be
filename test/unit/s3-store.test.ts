// The S3 store's handling of answers versitygw does not give on demand: 409 ConditionalRequestConflict
// (another conditional write of the key in flight) is retried with backoff, and a lasting one is a
// retryable failure. Everything else is tested against versitygw (test/integration/s3-store.test.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3DestinationSchema } from '../../activities/sinks/s3/schema';
import { openS3Reader } from '../../activities/sinks/s3/reader';
import { S3ObjectStore } from '../../activities/sinks/s3/store';

const destination = s3DestinationSchema.parse({ type: 's3', bucket: 'my-audit-logs', region: 'eu-west-1', prefix: 'mondoo/' });
const conflict = () =>
  Object.assign(new Error('conflict'), { name: 'ConditionalRequestConflict', Code: 'ConditionalRequestConflict', $metadata: { httpStatusCode: 409 } });

/** A client whose PutObject answers with `answers` in turn (an Error is thrown), recording each input. */
function client(answers: Array<Error | object>) {
  const inputs: Array<Record<string, unknown>> = [];
  const send = async (command: { input: Record<string, unknown> }) => {
    inputs.push(command.input);
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { inputs, client: { send } as unknown as S3Client };
}

describe('S3 store conditional writes', () => {
  it('retries a 409 ConditionalRequestConflict and sends If-None-Match and Content-MD5 each time', async () => {
    const fake = client([conflict(), conflict(), { ETag: '"x"' }]);
    expect(await new S3ObjectStore(fake.client, destination, 1).createOnly('mondoo/a.jsonl', Buffer.from('hello\n'))).toBe('created');
    expect(fake.inputs).toHaveLength(3);
    for (const input of fake.inputs) {
      expect(input).toMatchObject({
        Bucket: 'my-audit-logs',
        Key: 'mondoo/a.jsonl',
        IfNoneMatch: '*',
        ContentMD5: 'sZRqySSS0jR8YjW00mERhA==',
        Metadata: { 'auditflow-content-md5': 'sZRqySSS0jR8YjW00mERhA==' },
      });
    }
  });

  it('a conflict that lasts is a retryable failure for Temporal to retry later', async () => {
    const fake = client([conflict(), conflict(), conflict(), conflict(), conflict()]);
    await expect(new S3ObjectStore(fake.client, destination, 1).createOnly('mondoo/a.jsonl', Buffer.from('x'))).rejects.toMatchObject({
      kind: 'DestinationUnavailable',
      retryable: true,
    });
    expect(fake.inputs).toHaveLength(4);
  });

  it('asks for the configured server-side encryption', async () => {
    const kms = { ...destination, serverSideEncryption: { type: 'aws:kms' as const, kmsKeyId: 'alias/audit' } };
    const fake = client([{}]);
    await new S3ObjectStore(fake.client, kms, 1).createOnly('mondoo/a.jsonl', Buffer.from('x'));
    expect(fake.inputs[0]).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/audit' });
  });
});

describe('S3 reader for verify', () => {
  it("reads a web-identity destination with the auditor's own credentials instead of failing for want of an integration id", async () => {
    const destination = s3DestinationSchema.parse({
      type: 's3',
      bucket: 'audit',
      region: 'eu-west-1',
      prefix: 'p/',
      credentials: { roleArn: 'arn:aws:iam::123456789012:role/auditflow-writer' },
    });
    const reader = openS3Reader(destination);
    expect(reader.urlOf('p/a.jsonl')).toBe('s3://audit/p/a.jsonl');
  });
});
