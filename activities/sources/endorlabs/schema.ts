// The Endor Labs audit-log source as the API accepts it (and the worker types it), and its secret-free view.
import { z } from 'zod';
import { httpUrlSchema, secretSchema } from '../../../api/schemas/common';
import { ENDOR_LABS_DEFAULT_ENDPOINT } from './types';

/**
 * Endor Labs' namespace rule: lowercase letters, digits, `-` and `.` (a child namespace is
 * `parent.child`). The namespace becomes part of object names, so nothing else is let through.
 */
const NAMESPACE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

export const endorLabsSourceSchema = z
  .strictObject({
    type: z.literal('endorlabs'),
    namespace: z
      .string()
      .max(200, 'namespace must be at most 200 characters')
      .regex(NAMESPACE, 'namespace must be an Endor Labs namespace: lowercase letters, digits and "-", child namespaces joined by "." (e.g. acme or acme.prod)')
      .meta({ description: "The tenant namespace whose audit logs to export (Endor Labs' own rules: lowercase letters, digits, `-`, `.`).", example: 'acme' }),
    apiKey: secretSchema('apiKey').meta({ description: 'An Endor Labs API key (read-only permission suffices). Write-only: never returned.', writeOnly: true }),
    apiSecret: secretSchema('apiSecret').meta({ description: "The API key's secret. Write-only: never returned.", writeOnly: true }),
    endpoint: httpUrlSchema.default(ENDOR_LABS_DEFAULT_ENDPOINT).meta({ description: "Endor Labs' REST API." }),
  })
  .meta({ title: 'EndorLabsSource' });

export type EndorLabsSourceConfig = z.output<typeof endorLabsSourceSchema>;

/** The secret-free view of the source. */
export const endorLabsSourceViewSchema = z
  .strictObject({
    type: z.literal('endorlabs'),
    namespace: z.string(),
    endpoint: z.string(),
  })
  .meta({ title: 'EndorLabsSourceView' });

export type EndorLabsSourceView = z.output<typeof endorLabsSourceViewSchema>;

export function endorLabsSourceView(source: EndorLabsSourceConfig): EndorLabsSourceView {
  return { type: source.type, namespace: source.namespace, endpoint: source.endpoint };
}

/** `endorlabs-<namespace>` with dots as dashes: lowercase letters, digits and dashes, as object names want. */
export const endorLabsScopeSlug = (namespace: string): string => `endorlabs-${namespace.replaceAll('.', '-')}`;
