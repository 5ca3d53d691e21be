// The API process: serves the HTTP API until SIGINT/SIGTERM, then closes connections cleanly.
import { createDataConverter, createPayloadCodec } from '../lib/data-converter';
import { createLogger } from '../lib/logger';
import { settingsFrom } from '../lib/settings';
import { createSealer, loadSealingPublicKey } from '../lib/sealing';
import { publicUrlFrom } from '../lib/wif';
import { loadOidcSigningKeys } from '../lib/wif-keys';
import { loadTemporalSettings } from '../lib/temporal-config';
import { startTracing } from '../lib/tracing';
import { createApp } from './app';
import { codecPathKeyEnabled, createCodecRouter } from './codec-routes';
import { createOidcRouter } from './oidc-routes';
import { loadApiSettings } from './settings';
import { openApiClient } from './temporal-client';

const log = createLogger('api');
/** The API serves loopback only; a reverse proxy publishes it. */
const LISTEN_HOST = '127.0.0.1';

async function main(): Promise<void> {
  settingsFrom(); // every AUDITFLOW_* variable checked before anything starts
  // With an OTLP endpoint set; undefined (nothing loaded) otherwise. Before the server: it patches node:http.
  const tracing = startTracing('auditflow-api');
  if (tracing) log.info('tracing: exporting spans by OTLP');
  const temporal = loadTemporalSettings();
  const settings = loadApiSettings(process.env, temporal);
  // One codec for the Temporal client and the UI's remote-codec endpoint.
  const codec = createPayloadCodec({ log });
  const allowPathKey = codecPathKeyEnabled(process.env, LISTEN_HOST);
  // The public key only: the API seals secrets but cannot open them.
  const sealer = createSealer(loadSealingPublicKey({ log }));
  // Serves before Temporal answers (readyz says 503 meanwhile) and keeps waiting for it, logging why.
  const stopWaiting = new AbortController();
  const { client, connection, connected } = openApiClient(temporal, {
    dataConverter: createDataConverter({ codec }),
    log,
    signal: stopWaiting.signal,
    interceptors: tracing?.clientInterceptors,
  });
  connected.then(
    () => log.info({ address: temporal.address, namespace: temporal.namespace }, 'API connected to Temporal'),
    (error: unknown) => {
      if (stopWaiting.signal.aborted) return;
      log.error({ err: error }, 'Temporal refused the API');
      process.exit(1);
    },
  );
  const uiOrigins = settingsFrom().AUDITFLOW_UI_ORIGINS ?? [];
  const app = createApp({
    client,
    log,
    settings,
    sealer,
    mounts: [
      {
        path: '/codec',
        router: createCodecRouter({ codec, tokens: settings.tokens, uiOrigin: uiOrigins, allowPathKey }),
      },
      // Public: the discovery document and JWKS Google's STS reads for workload identity federation.
      { path: '/', router: createOidcRouter({ issuer: publicUrlFrom(), keys: loadOidcSigningKeys({ log }) }) },
    ],
  });
  const server = app.listen(settings.port, LISTEN_HOST, () =>
    log.info({ url: `http://127.0.0.1:${settings.port}`, taskQueue: settings.taskQueue, tokens: settings.tokens.length }, 'API listening'),
  );
  server.on('error', (error) => {
    log.error({ err: error }, 'API cannot listen');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'API stopping');
    stopWaiting.abort();
    server.close(
      () =>
        void connection
          .close()
          .then(() => tracing?.shutdown())
          .then(() => process.exit(0)),
    );
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'API failed');
  process.exit(1);
});
