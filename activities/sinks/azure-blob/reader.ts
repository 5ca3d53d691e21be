// Reading an Azure Blob destination for `verify`, with the auditor's credentials (Storage Blob Data
// Reader on the container, or a SAS with read and list).
import type { ContainerClient } from '@azure/storage-blob';
import type { ObjectReader } from '../sink';
import { azureBlobUrl, type AzureBlobDestinationConfig } from './schema';
import { classifyAzureError } from './store';

/** `client` is made at the first read (it loads the Azure SDK). */
export function azureBlobReader(makeClient: () => Promise<ContainerClient>, config: AzureBlobDestinationConfig): ObjectReader {
  let made: Promise<ContainerClient> | undefined;
  const client = () => (made ??= makeClient());
  return {
    urlOf: (name) => azureBlobUrl(config, name),
    async list(prefix) {
      const objects: Array<{ name: string; bytes: number }> = [];
      try {
        for await (const blob of (await client()).listBlobsFlat({ prefix })) objects.push({ name: blob.name, bytes: blob.properties.contentLength ?? 0 });
      } catch (error) {
        throw classifyAzureError(error, config, prefix);
      }
      return objects;
    },
    async read(name) {
      try {
        const blob = (await client()).getBlockBlobClient(name);
        const [body, properties] = await Promise.all([blob.downloadToBuffer(), blob.getProperties()]);
        return { body, metadata: properties.metadata ?? {} };
      } catch (error) {
        throw classifyAzureError(error, config, name);
      }
    },
  };
}
