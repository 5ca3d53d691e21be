// Google Cloud Storage as a destination: config schema and view (schema.ts), create-only store
// (store.ts) and the three kinds of credentials (credentials.ts).
import type { SinkConnector } from '../sink';
import { openGcsReader } from './reader';
import { gcsServerOf } from './server';
import { createStorage, GcsObjectStore, gcsObjectUrl } from './store';
import {
  MAX_OBJECT_NAME_BYTES,
  gcsDestinationSchema,
  gcsDestinationView,
  gcsDestinationViewSchema,
  type GcsDestinationConfig,
  type GcsDestinationView,
} from './schema';

export const gcsSink: SinkConnector<GcsDestinationConfig, GcsDestinationView> = {
  type: 'gcs',
  storeName: 'Google Cloud Storage',
  maxObjectNameBytes: MAX_OBJECT_NAME_BYTES,
  configSchema: gcsDestinationSchema,
  viewSchema: gcsDestinationViewSchema,
  view: gcsDestinationView,
  location: (view) => ({
    objectUrlBase: gcsObjectUrl(view.bucket, ''),
    // Without a type in front: the claims of integrations created before connectors hash exactly this.
    namespace: [gcsServerOf(view.endpoint), view.bucket],
    ...(view.endpoint ? { endpoint: view.endpoint } : {}),
  }),
  open: (config) => new GcsObjectStore(createStorage(config), config),
  openReader: openGcsReader,
};
