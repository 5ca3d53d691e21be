import { randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { inject } from 'vitest';
import { isManifestName } from '../../lib/evidence/format';
import { jsonlOf } from '../../activities/sinks/object-format';
import { downloadObjectBytes } from '../../sandbox/gcs-media';

export function emulatorStorage(): Storage {
  return new Storage({ apiEndpoint: inject('gcsEndpoint'), projectId: 'auditflow-test' });
}

/** A fresh bucket per test: tests isolate by name, never by cleaning up after each other. */
export async function createTestBucket(storage = emulatorStorage()): Promise<string> {
  const name = `test-${randomUUID().slice(0, 18)}`;
  await storage.createBucket(name);
  return name;
}

/**
 * Every data object under `prefix`, read back from the emulator (see downloadObject for why not
 * file.download()), `.gz` ones gunzipped; manifests (`_manifests/`, issue 17) are verify's to read.
 */
export async function readObjects(bucket: string, prefix = '', storage = emulatorStorage()): Promise<Map<string, string>> {
  const [files] = await storage.bucket(bucket).getFiles({ prefix });
  const contents = new Map<string, string>();
  for (const file of files.filter((f) => !isManifestName(f.name))) {
    contents.set(file.name, jsonlOf(file.name, await downloadObjectBytes(storage.apiEndpoint, bucket, file.name)));
  }
  return contents;
}
