// The one place the API's Temporal client is made (api/main.ts and the API tests): its data converter
// encrypts the workflow input, which holds the integration's secrets.
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from '../lib/data-converter';
import type { Logger } from '../lib/logger';
import { checkTemporalTls } from '../lib/tls-preflight';
import { connectClient, FAST_RECONNECT_CHANNEL_ARGS, retryUntilConnected } from '../lib/temporal-client';
import { connectionOptions, type TemporalSettings } from '../lib/temporal-config';

export interface ApiTemporalClient {
  client: Client;
  /** Closed by the caller when the API stops. */
  connection: Connection;
}

export async function connectApiClient(settings: TemporalSettings, options: { dataConverter?: DataConverter; log?: Logger } = {}): Promise<ApiTemporalClient> {
  return connectClient(settings, options.dataConverter ?? createDataConverter({ log: options.log }));
}

/**
 * A client whose connection is made in the background: the API serves at once (`/healthz` 200,
 * `/readyz` 503 and Temporal calls 503 until Temporal answers), and waits for a Temporal that is not
 * up yet instead of exiting. `connected` resolves once Temporal first answered.
 */
export function openApiClient(
  settings: TemporalSettings,
  options: { dataConverter?: DataConverter; log: Logger; signal?: AbortSignal; interceptors?: ClientInterceptors },
): ApiTemporalClient & { connected: Promise<void> } {
  const connection = Connection.lazy({ ...connectionOptions(settings), channelArgs: FAST_RECONNECT_CHANNEL_ARGS });
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: options.dataConverter ?? createDataConverter({ log: options.log }),
    // Tracing's (lib/tracing.ts): the request's trace goes on into the workflow it starts or signals.
    interceptors: options.interceptors,
  });
  const probe = async () => {
    await checkTemporalTls(settings);
    await connection.withDeadline(Date.now() + 5_000, () => connection.workflowService.getSystemInfo({}));
  };
  const connected = retryUntilConnected('API', probe, { address: settings.address, log: options.log, signal: options.signal });
  return { client, connection, connected };
}
