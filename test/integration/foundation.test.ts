import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gcsSink } from '../../activities/sinks/gcs/connector';
import { putIfAbsent } from '../../activities/upload';
import type { WriteObjectActivities } from '../fixtures/write-object-workflow';
import { createTestBucket, emulatorStorage, readObjects } from '../helpers/gcs';
import { openTestEnv, testDataConverter, type TestEnv } from '../helpers/temporal';

describe('foundation: a real Temporal dev server and a real GCS emulator', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await openTestEnv();
  });
  afterAll(async () => env?.close());

  it('runs a workflow whose activity writes an object to the emulator, and reads it back', async () => {
    const bucket = await createTestBucket();
    const activities: WriteObjectActivities = {
      async writeObject({ endpoint, bucket, name, content }) {
        const destination = { type: 'gcs' as const, bucket, prefix: '', endpoint };
        return putIfAbsent(gcsSink.open(destination), name, Buffer.from(content));
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.settings.namespace,
      taskQueue: env.settings.taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('../fixtures/write-object-workflow.ts', import.meta.url)),
        logger: new DefaultLogger('WARN'),
      }),
      activities,
      dataConverter: testDataConverter(),
    });
    const content = `{"hello":"${randomUUID()}"}\n`;
    const result = await worker.runUntil(
      env.client.workflow.execute('writeObjectWorkflow', {
        taskQueue: env.settings.taskQueue,
        workflowId: `foundation-${randomUUID()}`,
        args: [{ endpoint: inject('gcsEndpoint'), bucket, name: 'hello.jsonl', content }],
      }),
    );
    expect(result).toEqual({ bytes: Buffer.byteLength(content), alreadyExisted: false });
    expect(await readObjects(bucket)).toEqual(new Map([['hello.jsonl', content]]));
  });

  it('refuses a second create of the same name with 412 (ifGenerationMatch: 0)', async () => {
    const bucket = await createTestBucket();
    const file = emulatorStorage().bucket(bucket).file('once.jsonl');
    await file.save('first\n', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(file.save('second\n', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } })).rejects.toMatchObject({ code: 412 });
    expect((await readObjects(bucket)).get('once.jsonl')).toBe('first\n');
  });

  it('the sink treats a 412 with identical content as success and different content as a conflict', async () => {
    const bucket = await createTestBucket();
    const destination = { type: 'gcs' as const, bucket, prefix: '', endpoint: inject('gcsEndpoint') };
    const store = gcsSink.open(destination);
    await expect(putIfAbsent(store, 'a.jsonl', Buffer.from('x\n'))).resolves.toEqual({ bytes: 2, alreadyExisted: false });
    await expect(putIfAbsent(store, 'a.jsonl', Buffer.from('x\n'))).resolves.toEqual({ bytes: 2, alreadyExisted: true });
    await expect(putIfAbsent(store, 'a.jsonl', Buffer.from('y\n'))).rejects.toMatchObject({ kind: 'ObjectConflict' });
  });

  it('classifies a missing bucket as a non-retryable configuration error', async () => {
    const destination = { type: 'gcs' as const, bucket: `missing-${randomUUID().slice(0, 8)}`, prefix: '', endpoint: inject('gcsEndpoint') };
    await expect(putIfAbsent(gcsSink.open(destination), 'a.jsonl', Buffer.from('x\n'))).rejects.toMatchObject({ kind: 'BucketNotFound', retryable: false });
  });
});
