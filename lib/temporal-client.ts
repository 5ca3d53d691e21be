import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from './data-converter';
import type { TemporalSettings } from './temporal-config';

/**
 * One connection and client for a process (API, scripts); the caller closes the connection. Payloads
 * are encrypted with createDataConverter() unless a data converter is given.
 */
export async function connectClient(
  settings: TemporalSettings,
  dataConverter: DataConverter = createDataConverter(),
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address });
  const client = new Client({ connection, namespace: settings.namespace, dataConverter });
  return { client, connection };
}
