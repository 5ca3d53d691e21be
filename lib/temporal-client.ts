import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from './temporal-config';

/** One connection and client for a process (API, scripts); the caller closes the connection. */
export async function connectClient(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address });
  const client = new Client({ connection, namespace: settings.namespace });
  return { client, connection };
}
