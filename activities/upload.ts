import { decodeFileContent } from './compression';
import type { GcsSink } from './sinks/gcs/store';
import type { UploadInput, UploadResult } from './types';

/** Writes each object create-only, in order; a retry re-writes nothing that is already there. */
export async function uploadObjects(input: UploadInput, sink: GcsSink): Promise<UploadResult> {
  const objects: UploadResult['objects'] = [];
  for (const object of input.objects) {
    const body = decodeFileContent(object);
    const put = await sink.putIfAbsent(object.name, body);
    objects.push({ name: object.name, bytes: put.bytes, alreadyExisted: put.alreadyExisted });
  }
  return { objects };
}
