// The one place the API's Temporal client is made (api/main.ts and the API tests): its data converter
// encrypts the workflow input, which holds the integration's secrets.
import type { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from '../lib/data-converter';
import type { Logger } from '../lib/logger';
import { connectClient } from '../lib/temporal-client';
import type { TemporalSettings } from '../lib/temporal-config';

export interface ApiTemporalClient {
  client: Client;
  /** Closed by the caller when the API stops. */
  connection: Connection;
}

export async function connectApiClient(
  settings: TemporalSettings,
  options: { dataConverter?: DataConverter; log?: Logger } = {},
): Promise<ApiTemporalClient> {
  return connectClient(settings, options.dataConverter ?? createDataConverter({ log: options.log }));
}
