// The integration run's Azurite (started once by test/global-setup.ts) through the real SDK, as its
// account's owner (the account key).
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { inject } from 'vitest';
import { isManifestName } from '../../lib/evidence/format';

export const azuriteAccount = () => ({ accountName: inject('azuriteAccountName'), accountKey: inject('azuriteAccountKey') });

function sharedKey(): StorageSharedKeyCredential {
  const { accountName, accountKey } = azuriteAccount();
  return new StorageSharedKeyCredential(accountName, accountKey);
}

export function azuriteService(): BlobServiceClient {
  return new BlobServiceClient(inject('azuriteEndpoint'), sharedKey());
}

/** A fresh container per test (Azure rules: lowercase letters, digits and "-", 3-63 characters). */
export async function createAzureTestContainer(): Promise<string> {
  const name = `test-${randomUUID().slice(0, 18)}`;
  await azuriteService().createContainer(name);
  return name;
}

/** A service SAS for one container, as `az storage container generate-sas` makes it. */
export function containerSas(container: string, permissions: string, expiresOn = new Date(Date.now() + 3_600_000)): string {
  return generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse(permissions), expiresOn },
    sharedKey(),
  ).toString();
}

/** A stored access policy on the container (az storage container policy create): SAS tokens naming it get its permissions. */
export async function setContainerPolicy(container: string, id: string, permissions: string): Promise<void> {
  const accessPolicy = { permissions, startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 3_600_000) };
  await azuriteService().getContainerClient(container).setAccessPolicy(undefined, [{ id, accessPolicy }]);
}

/** A SAS that takes its permissions from the container's stored access policy `id`: changing the policy changes what it may do. */
export function policySas(container: string, id: string): string {
  return generateBlobSASQueryParameters({ containerName: container, identifier: id }, sharedKey()).toString();
}

/** Every data blob under `prefix`, read back as the account's owner; manifests (`_manifests/`, issue 17) are verify's to read. */
export async function readBlobs(container: string, prefix = ''): Promise<Map<string, string>> {
  const client = azuriteService().getContainerClient(container);
  const contents = new Map<string, string>();
  for await (const blob of client.listBlobsFlat({ prefix })) {
    if (isManifestName(blob.name)) continue;
    contents.set(blob.name, (await client.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8'));
  }
  return contents;
}
