// /v1/connection-tests: tests a source and/or a destination as an export would use them; stores nothing.
import { Router } from 'express';
import { parseOr400 } from '../errors';
import type { ConnectionTestService } from '../connection-test-service';
import { connectionTestRequestSchema, type ConnectionTestResponse } from '../schemas/connection-test';
import { jsonBody } from './json-body';

export function connectionTestsRouter(service: ConnectionTestService): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const body = parseOr400(connectionTestRequestSchema, jsonBody(req), 'connection test');
    const result: ConnectionTestResponse = await service.test(body);
    res.json(result);
  });
  return router;
}
