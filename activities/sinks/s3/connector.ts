// Amazon S3 and S3-compatible stores as a destination: config schema and view (schema.ts), the client
// and its credentials (client.ts), the create-only store (store.ts).
import type { SinkConnector } from '../sink';
import { integrationIdOfActivity } from '../integration-of-activity';
import { createS3Client } from './client';
import { openS3Reader } from './reader';
import {
  s3DestinationSchema,
  s3DestinationView,
  s3DestinationViewSchema,
  isWebIdentity,
  s3ObjectUrl,
  S3_MAX_KEY_BYTES,
  type S3DestinationConfig,
  type S3DestinationView,
} from './schema';
import { S3ObjectStore } from './store';

export const s3Sink: SinkConnector<S3DestinationConfig, S3DestinationView> = {
  type: 's3',
  storeName: 'Amazon S3',
  maxObjectNameBytes: S3_MAX_KEY_BYTES,
  configSchema: s3DestinationSchema,
  viewSchema: s3DestinationViewSchema,
  view: s3DestinationView,
  location: (view) => ({
    objectUrlBase: s3ObjectUrl(view.bucket, ''),
    // AWS bucket names are global; another store's are per endpoint, spelled one way.
    namespace: ['s3', s3ServerOf(view.endpoint), view.bucket],
    ...(view.endpoint ? { endpoint: view.endpoint } : {}),
  }),
  open: (config) => {
    if (!isWebIdentity(config.credentials)) return new S3ObjectStore(createS3Client(config), config);
    // Integrations with the same destination share its store; each assumes the role with its own subject.
    const perIntegration = new Map<string, S3ObjectStore>();
    const current = () => {
      const integrationId = integrationIdOfActivity();
      let store = perIntegration.get(integrationId);
      if (!store) perIntegration.set(integrationId, (store = new S3ObjectStore(createS3Client(config, process.env, integrationId), config)));
      return store;
    };
    return {
      urlOf: (name) => s3ObjectUrl(config.bucket, name),
      createOnly: (name, body, options) => current().createOnly(name, body, options),
      holdsSameBytes: (name, body) => current().holdsSameBytes(name, body),
    };
  },
  openReader: openS3Reader,
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The store behind an endpoint, spelled one way (as GCS's gcsServerOf): AWS's bucket names are global,
 * so no endpoint and any amazonaws.com endpoint are one store; otherwise host, explicit port and path,
 * every loopback name the same host.
 */
export function s3ServerOf(endpoint: string | undefined): string {
  if (!endpoint) return 'aws';
  const url = URL.parse(endpoint);
  if (!url) return endpoint;
  if (url.hostname.endsWith('.amazonaws.com') || url.hostname === 'amazonaws.com') return 'aws';
  const host = LOOPBACK_HOSTS.has(url.hostname) ? 'loopback' : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${host}:${port}${url.pathname.replace(/\/+$/, '')}`;
}
