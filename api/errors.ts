// One error shape for every failure: { error: { code, message, details: [{ path, message }] } }.
// Clients branch on `code`; people read `message`; nothing internal (stack, gRPC text) leaks out.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { z } from 'zod';
import type { Logger } from '../lib/logger';

export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({
        description:
          'Machine-readable: validation_failed, invalid_json, invalid_body, invalid_path, payload_too_large, unauthorized, not_found, integration_deleted, integration_paused, interval_immutable, method_not_allowed, destination_in_use, destination_not_releasable, idempotency_key_reused, temporal_unavailable, internal.',
      }),
      message: z.string(),
      details: z.array(z.strictObject({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ title: 'Error' });
export type ErrorDetail = z.output<typeof errorBodySchema>['error']['details'][number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found`);

/** Readable messages for the generic issues; schema-specific messages come from the schemas. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'required';
  const input = issue.input;
  const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
  return `expected ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}, got ${got}`;
};

function detailsOf(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): ErrorDetail[] {
  const pathOf = (path: PropertyKey[]) => path.map(String).join('.');
  return issues.flatMap((issue): ErrorDetail[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: pathOf([...path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_union' && 'options' in issue && issue.discriminator) {
      const options = issue.options ?? [];
      return [{ path: pathOf(path), message: `unknown type; supported: ${options.map((o) => JSON.stringify(o)).join(', ')}` }];
    }
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0) {
      // A union of strict objects (credentials of several kinds): besides the union's own message, the
      // fields of the one kind whose fields the input uses (a missing secretAccessKey), else of the first
      // kind listed (the usual one), so the person sees which field to fix.
      const fitting = issue.errors.filter((branch) => !branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0));
      const branch = fitting.length === 1 ? fitting[0]! : fitting.length === 0 ? issue.errors[0]! : [];
      return [{ path: pathOf(path), message: issue.message }, ...detailsOf(branch, path)];
    }
    return [{ path: pathOf(path), message: issue.message }];
  });
}

/** Parses `input` with `schema`, or throws the 400 every bad input gets. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  const details = detailsOf(result.error.issues);
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}${more}` : 'invalid';
  throw new ApiError(400, 'validation_failed', `Invalid ${what}: ${summary}`, details);
}

export function sendError(res: Parameters<RequestHandler>[1], error: ApiError): void {
  res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `There is no route ${req.method} ${req.path}`));
};

/**
 * Errors of reading the request that are the client's fault, reported without internals. body-parser's
 * carry a `type`; a corrupt gzip/deflate/br body is a zlib error it marks 400 without one, and a path
 * that is no valid percent-encoding ("/%ff", "/%") is the router's URIError, marked 400 too.
 */
function requestError(error: unknown): ApiError | undefined {
  const { type, status, expose } = (error ?? {}) as { type?: unknown; status?: unknown; expose?: unknown };
  if (error instanceof URIError && status === 400) return new ApiError(400, 'invalid_path', 'The request path is not valid percent-encoding');
  if (typeof type !== 'string' && typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    return new ApiError(400, 'invalid_body', 'The request body could not be read: is it compressed as its Content-Encoding says?');
  }
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  if (type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  if (type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'The request body is too large');
  if (status >= 400 && status < 500) return new ApiError(status, 'invalid_body', `The request body could not be read (${type})`);
  return undefined;
}

const TEMPORAL_DOWN = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);
/** Temporal did not answer (in time). The client wraps gRPC errors of most calls in a ServiceError. */
export function temporalUnreachable(error: unknown): boolean {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) && TEMPORAL_DOWN.has(grpc.code);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    let apiError = error instanceof ApiError ? error : requestError(error);
    if (!apiError && temporalUnreachable(error)) {
      log.warn({ err: error, method: req.method, path: req.path }, 'Temporal is not reachable');
      apiError = new ApiError(503, 'temporal_unavailable', 'Temporal did not answer in time; try again shortly (retry a create with the same Idempotency-Key)');
    }
    if (!apiError) {
      const requestId = res.getHeader('x-request-id');
      log.error({ err: error, method: req.method, path: req.path, requestId }, 'request failed');
      apiError = new ApiError(500, 'internal', `Internal error; the API log has the details under request id ${requestId}`);
    }
    sendError(res, apiError);
  };
}
