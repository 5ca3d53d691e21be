// The worker process: connects to Temporal, registers search attributes, serves the export task queue
// until SIGINT/SIGTERM (the SDK then drains in-flight activities for the shutdown grace time).
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDataConverter } from '../lib/data-converter';
import { createLogger } from '../lib/logger';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadTemporalSettings } from '../lib/temporal-config';
import { createExportWorker } from './create-worker';

const log = createLogger('worker');

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  // Fails fast on a malformed AUDITFLOW_ENCRYPTION_KEYS, before connecting anywhere.
  const dataConverter = createDataConverter({ log });
  const client = await Connection.connect({ address: settings.address });
  try {
    const added = await ensureSearchAttributes(client, settings);
    if (added.length > 0) log.info({ added }, 'registered search attributes');
  } finally {
    await client.close();
  }
  const connection = await NativeConnection.connect({ address: settings.address });
  try {
    const worker = await createExportWorker({ connection, settings, dataConverter });
    log.info({ address: settings.address, namespace: settings.namespace, taskQueue: settings.taskQueue }, 'worker started');
    await worker.run();
    log.info('worker stopped');
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'worker failed');
  process.exit(1);
});
