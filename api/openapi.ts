// GET /openapi.json: generated from the same zod schemas that validate requests and type responses.
import { z } from 'zod';
import { errorBodySchema } from './errors';
import { connectionTestRequestSchema, connectionTestResultSchema } from './schemas/connection-test';
import { createExportSchema, exportCancelledSchema, exportDetailSchema, exportListSchema, exportSchema, oneTimeExportStatuses } from './schemas/export';
import {
  actionAcceptedSchema,
  createIntegrationSchema,
  integrationDetailSchema,
  integrationListSchema,
  integrationSchema,
  listQuerySchema,
} from './schemas/integration';

type JsonSchema = Record<string, unknown>;

/** Requests are documented as clients write them (defaults optional), responses as the API sends them. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: jsonContent(ref('Error')) });

const idParameter = { name: 'id', in: 'path', required: true, description: 'The integration id (a UUID).', schema: { type: 'string', format: 'uuid' } };
const exportIdParameter = { ...idParameter, description: 'The export id (a UUID).' };
const auth = {
  security: [{ bearerToken: [] }],
  401: error('Missing or invalid bearer token.'),
};

function operation(summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { security, 401: unauthorized } = auth;
  return {
    summary,
    security,
    ...extra,
    responses: { ...responses, 401: unauthorized, 500: error('Unexpected error (no internals).'), 503: error('Temporal is not reachable.') },
  };
}

function action(verb: string, description: string, conflicts: string) {
  return operation(
    verb,
    { 202: { description, content: jsonContent(ref('ActionAccepted')) }, 404: error('Unknown integration.'), 409: error(conflicts) },
    { parameters: [idParameter] },
  );
}

/** A query's parameters, from the zod schema that parses it. */
function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const { properties = {} } = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema> };
  return Object.entries(properties).map(([name, { description, ...parameterSchema }]) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: parameterSchema,
  }));
}

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'auditflow API',
      version: '1',
      description:
        'Integrations export an audit log into your bucket as OCSF 1.5.0 JSON Lines; each is one Temporal workflow (id audit-log-export-<id>). Every /v1 route needs Authorization: Bearer <token>.',
    },
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'A token from AUDITFLOW_API_TOKEN (comma-separated list).' } },
      schemas: {
        CreateIntegration: schemaOf(createIntegrationSchema, 'input'),
        Integration: schemaOf(integrationSchema, 'output'),
        IntegrationDetail: schemaOf(integrationDetailSchema, 'output'),
        IntegrationList: schemaOf(integrationListSchema, 'output'),
        ActionAccepted: schemaOf(actionAcceptedSchema, 'output'),
        CreateExport: schemaOf(createExportSchema, 'input'),
        Export: schemaOf(exportSchema, 'output'),
        ExportDetail: schemaOf(exportDetailSchema, 'output'),
        ExportList: schemaOf(exportListSchema, 'output'),
        ExportCancelAccepted: schemaOf(exportCancelledSchema, 'output'),
        ConnectionTestRequest: schemaOf(connectionTestRequestSchema, 'input'),
        ConnectionTestResult: schemaOf(connectionTestResultSchema, 'output'),
        Error: schemaOf(errorBodySchema, 'output'),
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'The process serves requests.' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal is reachable',
          security: [],
          responses: { 200: { description: 'Ready.' }, 503: error('Temporal is not reachable.') },
        },
      },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1.' } } } },
      '/v1/integrations': {
        post: operation(
          'Create an integration and start its export (the first run starts at once)',
          {
            201: { description: 'Created; the body has no secrets.', content: jsonContent(ref('Integration')) },
            400: error('Invalid body or Idempotency-Key (validation_failed, invalid_json, invalid_body); nothing was started.'),
            409: error('destination_in_use: another integration holds this bucket, prefix and scope (the message names it).'),
            413: error('Body too large.'),
            422: error('idempotency_key_reused: the key was used for a different request.'),
          },
          {
            parameters: [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description:
                  "Makes a retry safe: the same key (1–255 visible ASCII characters) answers with the first create's result instead of creating again.",
                schema: { type: 'string', minLength: 1, maxLength: 255 },
              },
            ],
            requestBody: { required: true, content: jsonContent(ref('CreateIntegration')) },
          },
        ),
        get: operation(
          'List integrations (newest first), a page at a time',
          {
            200: { description: 'Integrations, and nextPageToken while more follow.', content: jsonContent(ref('IntegrationList')) },
            400: error('Invalid query parameter (the details name it).'),
          },
          { parameters: queryParameters(listQuerySchema) },
        ),
      },
      '/v1/integrations/{id}': {
        get: operation(
          'Read an integration and its export status',
          { 200: { description: 'The integration.', content: jsonContent(ref('IntegrationDetail')) }, 404: error('Unknown integration.') },
          { parameters: [idParameter] },
        ),
        delete: {
          ...action(
            'Delete: stop all future exports and end the workflow (objects stay, and the destination stays claimed unless released)',
            'Delete signal accepted (and the destination released, if asked).',
            'Already deleted (without releaseDestination), or destination_not_releasable.',
          ),
          parameters: [
            idParameter,
            {
              name: 'releaseDestination',
              in: 'query',
              required: false,
              description: 'true: also free the bucket and prefix for a new integration (move the old objects away first).',
              schema: { type: 'string', enum: ['true', 'false'] },
            },
          ],
        },
        patch: operation(
          'Not supported: an integration is fixed at creation',
          {
            400: error('interval_immutable: intervalMinutes cannot change.'),
            404: error('Unknown integration.'),
            405: error('Integrations cannot be changed.'),
          },
          { parameters: [idParameter] },
        ),
        put: operation(
          'Not supported: an integration is fixed at creation',
          {
            400: error('interval_immutable: intervalMinutes cannot change.'),
            404: error('Unknown integration.'),
            405: error('Integrations cannot be changed.'),
          },
          { parameters: [idParameter] },
        ),
      },
      '/v1/exports': {
        post: operation(
          'Start a one-time export of a time range (from inclusive, to exclusive); it completes once the range is settled',
          {
            201: { description: 'Started; the body has no secrets.', content: jsonContent(ref('Export')) },
            400: error('Invalid body (validation_failed names the field: a bad range, a to in the future…); nothing was started.'),
            409: error('destination_in_use: an integration or export holds this bucket, prefix and scope.'),
            413: error('Body too large.'),
          },
          { requestBody: { required: true, content: jsonContent(ref('CreateExport')) } },
        ),
        get: operation(
          'List one-time exports (newest first, paginated)',
          { 200: { description: 'Exports.', content: jsonContent(ref('ExportList')) }, 400: error('Invalid status, limit or pageToken.') },
          {
            parameters: [
              { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: [...oneTimeExportStatuses] } },
              { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
              { name: 'pageToken', in: 'query', required: false, description: 'The nextPageToken of the previous page.', schema: { type: 'string' } },
            ],
          },
        ),
      },
      '/v1/exports/{id}': {
        get: operation(
          'Read a one-time export: status, progress, start and end, last error',
          { 200: { description: 'The export.', content: jsonContent(ref('ExportDetail')) }, 404: error('Unknown export.') },
          { parameters: [exportIdParameter] },
        ),
        delete: operation(
          'Cancel a running export (objects written stay)',
          {
            202: { description: 'Cancel accepted.', content: jsonContent(ref('ExportCancelAccepted')) },
            404: error('Unknown export.'),
            409: error('export_ended: it completed, failed or was cancelled already.'),
          },
          { parameters: [exportIdParameter] },
        ),
      },
      '/v1/connection-tests': {
        post: operation(
          'Test a source and/or a destination with the credentials given: one read of at most one event, one create-only write of a probe object',
          {
            200: {
              description: 'The outcome of each part given (a failure is ok: false with its message).',
              content: jsonContent(ref('ConnectionTestResult')),
            },
            400: error('Invalid body (the create shapes of source and destination); nothing was tested.'),
            503: error('No worker ran the test in time, or Temporal is not reachable.'),
          },
          { requestBody: { required: true, content: jsonContent(ref('ConnectionTestRequest')) } },
        ),
      },
      '/v1/integrations/{id}/pause': { post: action('Pause: no export runs until resumed', 'Pause signal accepted.', 'Deleted.') },
      '/v1/integrations/{id}/resume': { post: action('Resume a paused integration', 'Resume signal accepted.', 'Deleted.') },
      '/v1/integrations/{id}/run': { post: action('Export now instead of at the next interval', 'Run signal accepted.', 'Deleted or paused.') },
    },
  };
  return cached;
}

/** "GET /v1/integrations", … for start-up banners. */
export function apiRoutes(): string[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}
