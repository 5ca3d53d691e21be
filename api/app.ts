import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../lib/logger';

export interface ApiDeps {
  client: Client;
  log: Logger;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await deps.client.connection.workflowService.getSystemInfo({});
      res.json({ status: 'ready' });
    } catch (error) {
      deps.log.warn({ err: error }, 'Temporal is not reachable');
      res.status(503).json({ status: 'unavailable', error: { code: 'temporal_unreachable', message: 'Temporal is not reachable' } });
    }
  });

  return app;
}
