// Reading a GCS destination for `verify`, with the auditor's credentials (roles/storage.objectViewer).
import type { ObjectReader } from '../sink';
import type { GcsDestinationConfig } from './schema';
import { createStorage, gcsObjectUrl } from './store';

export function openGcsReader(config: GcsDestinationConfig): ObjectReader {
  const bucket = createStorage(config).bucket(config.bucket);
  return {
    urlOf: (name) => gcsObjectUrl(config.bucket, name),
    async list(prefix) {
      const [files] = await bucket.getFiles({ prefix, autoPaginate: true });
      return files.map((file) => ({ name: file.name, bytes: Number(file.metadata.size ?? 0) }));
    },
    async read(name) {
      const file = bucket.file(name);
      // download() checks the bytes against the MD5 the server stored, so a transfer error is not taken for tampering.
      const [[body], [metadata]] = await Promise.all([file.download({ validation: 'md5' }), file.getMetadata()]);
      const user: Record<string, string> = {};
      for (const [key, value] of Object.entries(metadata.metadata ?? {})) if (typeof value === 'string') user[key] = value;
      return { body, metadata: user };
    },
  };
}
