// The API process: serves the HTTP API until SIGINT/SIGTERM, then closes connections cleanly.
import { createDataConverter, createPayloadCodec } from '../lib/data-converter';
import { createLogger } from '../lib/logger';
import { createSealer, loadSealingPublicKey } from '../lib/sealing';
import { publicUrlFrom } from '../lib/wif';
import { loadOidcSigningKeys } from '../lib/wif-keys';
import { loadTemporalSettings } from '../lib/temporal-config';
import { createApp } from './app';
import { createCodecRouter } from './codec-routes';
import { createOidcRouter } from './oidc-routes';
import { loadApiSettings } from './settings';
import { connectApiClient } from './temporal-client';

const log = createLogger('api');

async function main(): Promise<void> {
  const temporal = loadTemporalSettings();
  const settings = loadApiSettings(process.env, temporal);
  // One codec for the Temporal client and the UI's remote-codec endpoint.
  const codec = createPayloadCodec({ log });
  // The public key only: the API seals secrets but cannot open them.
  const sealer = createSealer(loadSealingPublicKey({ log }));
  const { client, connection } = await connectApiClient(temporal, { dataConverter: createDataConverter({ codec }), log });
  const uiOrigins = (process.env.AUDITFLOW_UI_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  const app = createApp({
    client,
    log,
    settings,
    sealer,
    mounts: [
      {
        path: '/codec',
        router: createCodecRouter({ codec, tokens: settings.tokens, uiOrigin: uiOrigins, allowPathKey: process.env.AUDITFLOW_CODEC_PATH_KEY === '1' }),
      },
      // Public: the discovery document and JWKS Google's STS reads for workload identity federation.
      { path: '/', router: createOidcRouter({ issuer: publicUrlFrom(), keys: loadOidcSigningKeys({ log }) }) },
    ],
  });
  const server = app.listen(settings.port, '127.0.0.1', () =>
    log.info({ url: `http://127.0.0.1:${settings.port}`, taskQueue: settings.taskQueue, tokens: settings.tokens.length }, 'API listening'),
  );
  server.on('error', (error) => {
    log.error({ err: error }, 'API cannot listen');
    process.exit(1);
  });
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
