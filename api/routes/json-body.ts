import { type Request } from 'express';
import { ApiError } from '../errors';

/** express.json() only reads JSON bodies; anything else arrives as no body at all. */
export function jsonBody(req: Request): unknown {
  if (!req.is('application/json')) {
    throw new ApiError(400, 'invalid_body', 'Send the request body as JSON with Content-Type: application/json');
  }
  return req.body;
}
