// A container client for one destination: an account key, a SAS token, or a Microsoft Entra token
// (service principal secret, workload identity federation, or the worker's ambient identity, which
// never goes to an endpoint an integration chose unless the operator trusts it).
import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { openedSecret, type SealedSecret } from '../../../lib/sealing';
import { ExportError } from '../../errors';
import { ambientEndpointProblem } from './trusted-endpoints';
import { azureTokenCredential, type AzureAuthContext } from './credentials';
import { defaultBlobEndpoint, type AzureBlobDestinationConfig } from './schema';

const PIPELINE: StoragePipelineOptions = {
  // Bounded: a request that has not answered in 2 minutes is retried, three tries in all; the
  // activity's own retries take over after that.
  retryOptions: { maxTries: 3, tryTimeoutInMs: 120_000 },
  userAgentOptions: { userAgentPrefix: 'auditflow' },
};

export function createContainerClient(destination: AzureBlobDestinationConfig, context: AzureAuthContext = {}): ContainerClient {
  const env = context.env ?? process.env;
  const problem = ambientEndpointProblem(destination, env);
  if (problem) throw new ExportError('InvalidConfig', problem, { retryable: false });
  const endpoint = destination.endpoint ?? defaultBlobEndpoint(destination.accountName);
  const containerUrl = `${endpoint}/${destination.container}`;
  const { credentials } = destination;
  if (credentials && 'accountKey' in credentials) {
    const key = openedSecret(credentials.accountKey as string | SealedSecret, 'destination.credentials.accountKey');
    return new ContainerClient(containerUrl, new StorageSharedKeyCredential(destination.accountName, key), PIPELINE);
  }
  if (credentials && 'sasToken' in credentials) {
    const sas = openedSecret(credentials.sasToken as string | SealedSecret, 'destination.credentials.sasToken').replace(/^\?/, '');
    // The SDK keeps the URL's query on every blob URL it derives; logs and our messages never show it.
    return new ContainerClient(`${containerUrl}?${sas}`, new AnonymousCredential(), PIPELINE);
  }
  return new ContainerClient(containerUrl, azureTokenCredential(credentials, context), PIPELINE);
}
