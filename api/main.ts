// The API process: serves the HTTP API until SIGINT/SIGTERM, then closes connections cleanly.
import { createLogger } from '../lib/logger';
import { connectClient } from '../lib/temporal-client';
import { loadTemporalSettings } from '../lib/temporal-config';
import { createApp } from './app';

const log = createLogger('api');

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const port = Number(process.env.AUDITFLOW_API_PORT || 8080);
  const { client, connection } = await connectClient(settings);
  const app = createApp({ client, log });
  const server = app.listen(port, '127.0.0.1', () => log.info({ url: `http://127.0.0.1:${port}` }, 'API listening'));
  const shutdown = (signal: string) => {
    log.info({ signal }, 'API stopping');
    server.close(() => void connection.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'API failed');
  process.exit(1);
});
