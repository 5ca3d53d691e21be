// The Azure Blob sink against Azurite (Shared Key and SAS signatures verified, SAS permissions
// enforced, If-None-Match and Content-MD5 honoured) through the real SDK: create-only writes, a retried
// write that finds its blob, least privilege, refused credentials, a missing container, the probe.
import { describe, expect, inject, it } from 'vitest';
import { createContainerClient } from '../../activities/sinks/azure-blob/client';
import { azureBlobSink } from '../../activities/sinks/azure-blob/connector';
import { azureBlobDestinationSchema, type AzureBlobDestinationConfig } from '../../activities/sinks/azure-blob/schema';
import { AzureBlobObjectStore, probeAzureBlob } from '../../activities/sinks/azure-blob/store';
import { ExportError } from '../../activities/errors';
import { azuriteAccount, azuriteService, containerSas, createAzureTestContainer, policySas, readBlobs, setContainerPolicy } from '../helpers/azure';

function destination(container: string, credentials: Record<string, string> | null = { accountKey: azuriteAccount().accountKey }, prefix = 'mondoo/') {
  return azureBlobDestinationSchema.parse({
    type: 'azure-blob',
    accountName: azuriteAccount().accountName,
    container,
    prefix,
    endpoint: inject('azuriteEndpoint'),
    ...(credentials ? { credentials } : {}),
  });
}

const store = (d: AzureBlobDestinationConfig) => new AzureBlobObjectStore(createContainerClient(d, { env: {} }), d);
const body = (text: string) => Buffer.from(`${text}\n`);

async function failure(promise: Promise<unknown>): Promise<ExportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

describe('Azure Blob sink against Azurite', () => {
  it('writes create-only with an account key: a second write of the name finds it, and tells same bytes from different ones', async () => {
    const container = await createAzureTestContainer();
    const azure = store(destination(container));
    expect(await azure.createOnly('mondoo/a-1-2.jsonl', body('{"n":1}'))).toBe('created');
    // A retry after a lost response: Azure answers 409 BlobAlreadyExists and overwrites nothing.
    expect(await azure.createOnly('mondoo/a-1-2.jsonl', body('{"n":2}'))).toBe('exists');
    expect(await readBlobs(container)).toEqual(new Map([['mondoo/a-1-2.jsonl', '{"n":1}\n']]));
    expect(await azure.holdsSameBytes('mondoo/a-1-2.jsonl', body('{"n":1}'))).toBe(true);
    expect(await azure.holdsSameBytes('mondoo/a-1-2.jsonl', body('{"n":2}'))).toBe(false);
    const properties = await azuriteService().getContainerClient(container).getBlockBlobClient('mondoo/a-1-2.jsonl').getProperties();
    expect(properties.contentType).toBe('application/x-ndjson');
    expect(azure.urlOf('mondoo/a-1-2.jsonl')).toBe(`${inject('azuriteEndpoint')}/${container}/mondoo/a-1-2.jsonl`);
  });

  it('works with a SAS of only create and write: an existing blob is taken as ours, the probe leaves nothing', async () => {
    const container = await createAzureTestContainer();
    const d = destination(container, { sasToken: `?${containerSas(container, 'cw')}` });
    await probeAzureBlob(createContainerClient(d, { env: {} }), d);
    const azure = store(d);
    expect(await azure.createOnly('mondoo/a-1-2.jsonl', body('x'))).toBe('created');
    expect(await azure.createOnly('mondoo/a-1-2.jsonl', body('x'))).toBe('exists');
    expect(await azure.holdsSameBytes('mondoo/a-1-2.jsonl', body('x'))).toBeUndefined(); // properties need read
    expect([...(await readBlobs(container)).keys()]).toEqual(['mondoo/a-1-2.jsonl']);
  });

  it('a SAS whose stored access policy lacks write is denied with the fix named; once the policy grants it, writes work', async () => {
    const container = await createAzureTestContainer();
    await setContainerPolicy(container, 'policy', 'rl');
    const d = destination(container, { sasToken: policySas(container, 'policy') });
    const denied = await failure(store(d).createOnly('mondoo/x.jsonl', body('x')));
    expect(denied).toMatchObject({ kind: 'DestinationPermission', retryable: false });
    expect(denied.message).toContain(`Issue a SAS for container ${container} with create and write permission (sp=cw)`);
    expect(denied.message).not.toContain('sig=');
    expect((await failure(probeAzureBlob(createContainerClient(d, { env: {} }), d))).kind).toBe('DestinationPermission');
    await setContainerPolicy(container, 'policy', 'cw');
    expect(await store(d).createOnly('mondoo/x.jsonl', body('x'))).toBe('created');
  });

  it('the API refuses a SAS that cannot serve create-only writes, without quoting it', () => {
    for (const permissions of ['c', 'rl']) {
      const token = containerSas('any-container', permissions);
      const parsed = azureBlobDestinationSchema.safeParse({ ...destination('any-container', null), credentials: { sasToken: token } });
      expect(parsed.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining('sasToken must grant write (sp=cw)')]);
      expect(JSON.stringify(parsed.error)).not.toContain(new URLSearchParams(token).get('sig'));
    }
  });

  it('a wrong account key or a SAS signed with another key is refused, never quoting it', async () => {
    const container = await createAzureTestContainer();
    const wrongKey = Buffer.from(`not-the-key-${Date.now()}`.padEnd(64, 'x')).toString('base64');
    const error = await failure(store(destination(container, { accountKey: wrongKey })).createOnly('mondoo/x.jsonl', body('x')));
    expect(error).toMatchObject({ kind: 'DestinationAuth', retryable: false });
    expect(error.message).toContain("Check the integration's accountKey");
    expect(error.message).not.toContain(wrongKey);
    const forged = containerSas(container, 'cw').replace(/sig=[^&]+/, 'sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D');
    const sasError = await failure(store(destination(container, { sasToken: forged })).createOnly('mondoo/x.jsonl', body('x')));
    expect(sasError).toMatchObject({ kind: 'DestinationAuth', retryable: false });
    expect(sasError.message).toContain("Check the integration's sasToken");
    expect(sasError.message).not.toContain('Zm9yZ2Vk');
  });

  it('a missing container is named, and writes work once it exists', async () => {
    const container = `missing-${Date.now()}`;
    const d = destination(container);
    const error = await failure(store(d).createOnly('mondoo/x.jsonl', body('x')));
    expect(error).toMatchObject({ kind: 'BucketNotFound', retryable: false });
    expect(error.message).toContain(`Container "${container}" does not exist in storage account ${azuriteAccount().accountName}`);
    expect((await failure(probeAzureBlob(createContainerClient(d, { env: {} }), d))).kind).toBe('BucketNotFound');
    await azuriteService().createContainer(container);
    expect(await store(d).createOnly('mondoo/x.jsonl', body('x'))).toBe('created');
  });

  it('never sends the ambient identity to an untrusted custom endpoint', async () => {
    const d = destination('any-container', null);
    expect(() => createContainerClient(d, { env: {} })).toThrow(/not trusted with the worker's ambient Azure identity/);
    expect(() => azureBlobSink.open(d)).toThrow(ExportError);
  });
});
