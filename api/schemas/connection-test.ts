// POST /v1/connection-tests: the create shapes of a source and a destination, either or both.
import { z } from 'zod';
import { createIntegrationSchema } from './integration';

const { source, destination } = createIntegrationSchema.shape;

export const connectionTestRequestSchema = z
  .strictObject({ source: source.optional(), destination: destination.optional() })
  .refine((body) => body.source !== undefined || body.destination !== undefined, {
    message: 'give a source, a destination or both to test',
    path: ['source'],
  })
  .meta({ title: 'ConnectionTestRequest' });
export type ConnectionTestRequest = z.output<typeof connectionTestRequestSchema>;

const probeOutcomeSchema = z.strictObject({
  ok: z.boolean(),
  message: z.string().meta({ description: 'What worked, or the message an export would give for the failure.' }),
  latencyMs: z.int(),
});

export const connectionTestResultSchema = z.strictObject({ source: probeOutcomeSchema.optional(), destination: probeOutcomeSchema.optional() }).meta({
  title: 'ConnectionTestResult',
  description:
    'One outcome per part given. Source: one real read of at most one event. Destination: one real create-only write of <prefix>.auditflow/connection-test-<uuid>, which stays.',
});
export type ConnectionTestResponse = z.output<typeof connectionTestResultSchema>;
