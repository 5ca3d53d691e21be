import { decodeFileContent } from './compression';
import { ExportError } from './errors';
import type { ObjectStore } from './sinks/sink';
import type { UploadInput, UploadResult } from '../contracts/activities';

export interface PutResult {
  bytes: number;
  /** The object was there already with the same content: a retry of a write that had succeeded. */
  alreadyExisted: boolean;
}

/**
 * Writes `name` unless it exists. An existing object with the same bytes is success (a retried
 * write); one the credential may not read is taken as ours (names are unique per integration
 * sequence, so that is the usual case); different bytes are a conflict a person must resolve.
 */
export async function putIfAbsent(store: ObjectStore, name: string, body: Buffer): Promise<PutResult> {
  if ((await store.createOnly(name, body)) === 'created') return { bytes: body.length, alreadyExisted: false };
  if ((await store.holdsSameBytes(name, body)) === false) {
    throw new ExportError(
      'ObjectConflict',
      `${store.urlOf(name)} already exists with different content. Another exporter may be writing to the same bucket and prefix; give this integration its own prefix.`,
      { retryable: false },
    );
  }
  return { bytes: body.length, alreadyExisted: true };
}

/** Writes each object create-only, in order; a retry re-writes nothing that is already there. */
export async function uploadObjects(input: UploadInput, store: ObjectStore): Promise<UploadResult> {
  const objects: UploadResult['objects'] = [];
  for (const object of input.objects) {
    const put = await putIfAbsent(store, object.name, decodeFileContent(object));
    objects.push({ name: object.name, bytes: put.bytes, alreadyExisted: put.alreadyExisted });
  }
  return { objects };
}
