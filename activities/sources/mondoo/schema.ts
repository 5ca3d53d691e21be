// The Mondoo audit-log source as the API accepts it (and the worker types it), and its secret-free view.
import { z } from 'zod';
import { MONDOO_ORG_MRN_PREFIX, MONDOO_PLATFORM_MRN, MONDOO_SPACE_MRN_PREFIX } from './types';
import { httpUrlSchema, secretSchema } from '../../../api/schemas/common';

export const DEFAULT_MONDOO_ENDPOINT = 'https://us.api.mondoo.com/query';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// Organization and space ids are lowercase words joined by dashes (acme-corp-2fjq8x1); they become
// part of object names, so nothing else is let through.
const ID = '[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?';
const SCOPE_MRN = new RegExp(`^(?:${escape(MONDOO_PLATFORM_MRN)}|${escape(MONDOO_ORG_MRN_PREFIX)}${ID}|${escape(MONDOO_SPACE_MRN_PREFIX)}${ID})$`);

export const mondooSourceSchema = z
  .strictObject({
    type: z.literal('mondoo'),
    scopeMrn: z
      .string()
      .regex(SCOPE_MRN, `must be ${MONDOO_PLATFORM_MRN}, ${MONDOO_ORG_MRN_PREFIX}<id> or ${MONDOO_SPACE_MRN_PREFIX}<id>`)
      .meta({
        description: 'Whose audit log to export: the platform, one organization (with its spaces) or one space.',
        example: `${MONDOO_ORG_MRN_PREFIX}abc123`,
      }),
    endpoint: httpUrlSchema.default(DEFAULT_MONDOO_ENDPOINT).meta({ description: "Mondoo's GraphQL endpoint (your region's)." }),
    token: secretSchema('token').meta({
      description: 'A Mondoo API token that may read the audit log of the scope. Write-only: never returned.',
      writeOnly: true,
    }),
  })
  .meta({ title: 'MondooSource' });

export type MondooSourceConfig = z.output<typeof mondooSourceSchema>;

/** The secret-free view of the source. */
export const mondooSourceViewSchema = z
  .strictObject({
    type: z.literal('mondoo'),
    scopeMrn: z.string(),
    endpoint: z.string(),
  })
  .meta({ title: 'MondooSourceView' });

export type MondooSourceView = z.output<typeof mondooSourceViewSchema>;

export function mondooSourceView(source: MondooSourceConfig): MondooSourceView {
  return { type: source.type, scopeMrn: source.scopeMrn, endpoint: source.endpoint };
}
