// Bearer-token authentication for /v1. Several tokens may be valid at once, so a token can be rotated
// without downtime: add the new one, move clients over, drop the old one.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Compares SHA-256 digests with timingSafeEqual: equal lengths whatever the input, so neither the
 * length nor the content of a valid token leaks through timing. Every token is compared, match or not.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  if (tokens.length === 0) throw new Error('the API needs at least one token (AUDITFLOW_API_TOKEN)');
  const valid = tokens.map(digest);
  return (req, res, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="auditflow"');
      return next(new ApiError(401, 'unauthorized', 'Send Authorization: Bearer <token> (a token from AUDITFLOW_API_TOKEN)'));
    }
    const offered = digest(match[1]!);
    let ok = false;
    for (const token of valid) ok = timingSafeEqual(token, offered) || ok;
    if (!ok) {
      res.set('WWW-Authenticate', 'Bearer realm="auditflow", error="invalid_token"');
      return next(new ApiError(401, 'unauthorized', 'The bearer token is not valid'));
    }
    next();
  };
}
