// Azure Blob Storage as a destination: config schema and view (schema.ts), the container client and
// its credentials (client.ts, credentials.ts), the create-only store (store.ts; the connection test writes through it).
import { ExportError } from '../../errors';
import type { ObjectStore, ObjectWriteOptions, SinkConnector } from '../sink';
import type { AzureAuthContext } from './credentials';
import { azureBlobReader } from './reader';
import { ambientEndpointProblem } from './trusted-endpoints';
import {
  AZURE_MAX_BLOB_NAME_BYTES,
  azureBlobDestinationSchema,
  azureBlobDestinationView,
  azureBlobDestinationViewSchema,
  azureBlobUrl,
  defaultBlobEndpoint,
  normalizeBlobEndpoint,
  type AzureBlobDestinationConfig,
  type AzureBlobDestinationView,
} from './schema';
import { AzureBlobObjectStore } from './store';

export const azureBlobSink: SinkConnector<AzureBlobDestinationConfig, AzureBlobDestinationView> = {
  type: 'azure-blob',
  storeName: 'Azure Blob Storage',
  maxObjectNameBytes: AZURE_MAX_BLOB_NAME_BYTES,
  configSchema: azureBlobDestinationSchema,
  viewSchema: azureBlobDestinationViewSchema,
  view: azureBlobDestinationView,
  location: (view) => ({
    objectUrlBase: azureBlobUrl(view, ''),
    // The endpoint alone decides the account a token writes to: the account name is only in it.
    namespace: ['azure-blob', azureAccountServerOf(view.endpoint ?? defaultBlobEndpoint(view.accountName)), view.container],
    ...(view.endpoint ? { endpoint: view.endpoint } : {}),
  }),
  open: (config) => new LazyAzureBlobStore(config),
  openReader: (config) => azureBlobReader(() => containerClientFor(config), config),
};

/**
 * The Azure SDK and MSAL take seconds to load (more than the AWS and Google clients together): only a
 * worker that writes to Azure loads them, when it first does, and the API, which shows and validates
 * destinations, never does.
 */
async function containerClientFor(config: AzureBlobDestinationConfig, context?: AzureAuthContext) {
  const { createContainerClient } = await import('./client');
  return createContainerClient(config, context);
}

/** The store, whose client is made at the first write; an endpoint the ambient identity may not go to fails at once. */
export class LazyAzureBlobStore implements ObjectStore {
  private store?: Promise<AzureBlobObjectStore>;

  constructor(
    private readonly config: AzureBlobDestinationConfig,
    private readonly context?: AzureAuthContext,
  ) {
    const problem = ambientEndpointProblem(config, context?.env);
    if (problem) throw new ExportError('InvalidConfig', problem, { retryable: false });
  }

  urlOf(name: string): string {
    return azureBlobUrl(this.config, name);
  }

  async createOnly(name: string, body: Buffer, options?: ObjectWriteOptions): Promise<'created' | 'exists'> {
    return (await this.opened()).createOnly(name, body, options);
  }

  async holdsSameBytes(name: string, body: Buffer): Promise<boolean | undefined> {
    return (await this.opened()).holdsSameBytes(name, body);
  }

  private opened(): Promise<AzureBlobObjectStore> {
    this.store ??= containerClientFor(this.config, this.context).then(
      (client) => new AzureBlobObjectStore(client, this.config),
      (error: unknown) => {
        this.store = undefined; // a configuration the operator fixes (the worker's OIDC keys) is read again
        throw error;
      },
    );
    return this.store;
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The account behind a blob endpoint, spelled one way (as gcsServerOf): the scheme does not matter,
 * default ports are explicit, every loopback name is the same host, and the path (Azurite's and
 * other IP-style endpoints name the account there) has no trailing slash.
 */
export function azureAccountServerOf(endpoint: string): string {
  const url = URL.parse(normalizeBlobEndpoint(endpoint));
  if (!url) return endpoint;
  const host = LOOPBACK_HOSTS.has(url.hostname) ? 'loopback' : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${host}:${port}${url.pathname.replace(/\/+$/, '')}`;
}
