// The HTTP API: health and the OpenAPI document in the open, /v1 behind bearer tokens, one error shape.
import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../lib/logger';
import { createSealer, loadSealingPublicKey, type Sealer } from '../lib/sealing';
import { bearerAuth } from './auth';
import { ApiError, errorHandler, sendError, unknownRoute } from './errors';
import { createConnectionTestService } from './connection-test-service';
import { createExportService } from './export-service';
import { createIntegrationService } from './integration-service';
import { openApiDocument } from './openapi';
import { connectionTestsRouter } from './routes/connection-tests';
import { exportsRouter } from './routes/exports';
import { integrationsRouter } from './routes/integrations';
import { READY_TIMEOUT_MS, type ApiSettings } from './settings';
import { traceRoute } from './trace-route';

export interface ApiDeps {
  /** From connectApiClient (api/temporal-client.ts), the one place its data converter is set. */
  client: Client;
  log: Logger;
  settings: ApiSettings;
  /** Routers served beside /v1 (the remote codec, OIDC discovery); each brings its own auth. */
  mounts?: Array<{ path: string; router: Router }>;
  /** Seals write-only fields before a workflow starts. Default: AUDITFLOW_SEALING_PUBLIC_KEY (lib/sealing.ts). */
  sealer?: Sealer;
}

export function createApp(deps: ApiDeps): Express {
  const { client, log, settings } = deps;
  const sealer = deps.sealer ?? createSealer(loadSealingPublicKey({ log }));
  const app = express();
  app.disable('x-powered-by');

  app.use((_req, res, next) => {
    res.set('X-Request-Id', randomUUID());
    next();
  });
  app.use(traceRoute);

  // A path that is no valid percent-encoding ("/v1/integrations/%ff") names nothing; say so before any
  // router tries to decode it (Express throws a URIError there, or answers 404 where no route matched).
  app.use((req, _res, next) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      return next(new ApiError(400, 'invalid_path', 'The request path is not valid percent-encoding'));
    }
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await client.withDeadline(Date.now() + READY_TIMEOUT_MS, () => client.connection.workflowService.getSystemInfo({}));
      res.json({ status: 'ready' });
    } catch (error) {
      log.warn({ err: error }, 'Temporal is not reachable');
      sendError(res, new ApiError(503, 'temporal_unavailable', 'Temporal is not reachable'));
    }
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  for (const { path, router } of deps.mounts ?? []) app.use(path, router);

  // Authentication before the body is read: an unauthenticated request costs no parsing.
  app.use('/v1', bearerAuth(settings.tokens), express.json({ limit: settings.bodyLimitBytes }));
  const integrations = createIntegrationService({ client, settings, log, sealer });
  app.use('/v1/integrations', integrationsRouter(integrations));
  app.use('/v1/exports', exportsRouter(createExportService({ client, settings, log, sealer, integrations })));
  app.use('/v1/connection-tests', connectionTestsRouter(createConnectionTestService({ client, settings, log, sealer })));

  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
