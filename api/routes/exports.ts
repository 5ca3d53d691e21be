// /v1/exports: one-time exports of a time range: create, list, read, cancel. Authentication is mounted in front.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { notFound, parseOr400 } from '../errors';
import type { ExportService } from '../export-service';
import { createExportSchema, exportListQuerySchema, type ExportCancelAccepted } from '../schemas/export';
import { jsonBody } from './json-body';

/** Ids are UUIDs the API made; anything else cannot name an export. */
function exportId(req: Request): string {
  const id = String(req.params.id);
  if (!z.uuid().safeParse(id).success) throw notFound(`Export ${JSON.stringify(id.slice(0, 100))}`);
  return id;
}

export function exportsRouter(service: ExportService): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseOr400(createExportSchema, jsonBody(req), 'export');
    const created = await service.create(body);
    res.status(201).location(`${req.baseUrl}/${created.id}`).json(created);
  });

  router.get('/', async (req, res) => {
    res.json(await service.list(parseOr400(exportListQuerySchema, { ...req.query }, 'query')));
  });

  router.get('/:id', async (req, res) => {
    res.json(await service.get(exportId(req)));
  });

  router.delete('/:id', async (req, res) => {
    const id = exportId(req);
    await service.cancel(id);
    const accepted: ExportCancelAccepted = { id, action: 'cancel', accepted: true };
    res.status(202).json(accepted);
  });

  return router;
}
