import { randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { inject } from 'vitest';

export function emulatorStorage(): Storage {
  return new Storage({ apiEndpoint: inject('gcsEndpoint'), projectId: 'auditflow-test' });
}

/** A fresh bucket per test: tests isolate by name, never by cleaning up after each other. */
export async function createTestBucket(storage = emulatorStorage()): Promise<string> {
  const name = `test-${randomUUID().slice(0, 18)}`;
  await storage.createBucket(name);
  return name;
}

export async function readObjects(bucket: string, prefix = '', storage = emulatorStorage()): Promise<Map<string, string>> {
  const [files] = await storage.bucket(bucket).getFiles({ prefix });
  const contents = new Map<string, string>();
  for (const file of files) {
    const [data] = await file.download();
    contents.set(file.name, data.toString('utf8'));
  }
  return contents;
}
