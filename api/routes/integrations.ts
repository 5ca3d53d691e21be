// /v1/integrations: create, list, read, pause/resume/run, delete. Authentication is mounted in front.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError, notFound, parseOr400 } from '../errors';
import type { IntegrationService } from '../integration-service';
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from '../idempotency';
import { jsonBody } from './json-body';
import { createIntegrationSchema, deleteQuerySchema, listQuerySchema, type ActionAccepted, type IntegrationAction } from '../schemas/integration';

/** Ids are UUIDs the API made; anything else cannot name an integration. */
function integrationId(req: Request): string {
  const id = String(req.params.id);
  if (!z.uuid().safeParse(id).success) throw notFound(`Integration ${JSON.stringify(id.slice(0, 100))}`);
  return id;
}

export function integrationsRouter(service: IntegrationService): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseOr400(createIntegrationSchema, jsonBody(req), 'integration');
    const integration = await service.create(body, idempotencyKeyOf(req.get(IDEMPOTENCY_HEADER)));
    res.status(201).location(`${req.baseUrl}/${integration.id}`).json(integration);
  });

  router.get('/', async (req, res) => {
    res.json(await service.list(parseOr400(listQuerySchema, { ...req.query }, 'query')));
  });

  router.get('/:id', async (req, res) => {
    res.json(await service.get(integrationId(req)));
  });

  const accept = (action: IntegrationAction) => async (req: Request, res: Response) => {
    const id = integrationId(req);
    await service.act(id, action);
    const accepted: ActionAccepted = { id, action, accepted: true };
    res.status(202).json(accepted);
  };
  for (const action of ['pause', 'resume', 'run'] as const) router.post(`/:id/${action}`, accept(action));
  // DELETE answers like the actions, and can also release the destination (see service.remove).
  router.delete('/:id', async (req, res) => {
    const id = integrationId(req);
    const { releaseDestination } = parseOr400(deleteQuerySchema, { ...req.query }, 'query');
    await service.remove(id, releaseDestination === 'true');
    const accepted: ActionAccepted = { id, action: 'delete', accepted: true };
    res.status(202).json(accepted);
  });

  // Nothing about an integration changes after creation; the interval gets its own answer because it
  // is the setting people most often try to change.
  const immutable = async (req: Request, res: Response) => {
    const id = integrationId(req);
    await service.assertExists(id);
    const body: unknown = req.body;
    const timingField = ['intervalMinutes', 'schedule'].find((field) => typeof body === 'object' && body !== null && field in body);
    if (timingField) {
      throw new ApiError(
        400,
        'interval_immutable',
        'The interval cannot be changed after creation, nor the schedule: create a new integration with the new one (and its own prefix), then delete this one',
        [{ path: timingField, message: 'cannot be changed after creation' }],
      );
    }
    res.set('Allow', 'GET, DELETE');
    throw new ApiError(
      405,
      'method_not_allowed',
      'An integration cannot be changed after creation: create a new one (with its own prefix), then delete this one',
    );
  };
  router.patch('/:id', immutable);
  router.put('/:id', immutable);

  return router;
}
