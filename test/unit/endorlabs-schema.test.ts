// The Endor Labs source config as the API validates it: namespace rules, write-only secrets, the slug.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { endorLabsScopeSlug, endorLabsSourceSchema, endorLabsSourceView } from '../../activities/sources/endorlabs/schema';

const valid = { type: 'endorlabs', namespace: 'acme.prod', apiKey: 'endr+key', apiSecret: 'endr+secret' };

describe('Endor Labs source schema', () => {
  it('accepts a namespace by Endor Labs rules and defaults the endpoint', () => {
    expect(endorLabsSourceSchema.parse(valid)).toEqual({ ...valid, endpoint: 'https://api.endorlabs.com' });
    for (const namespace of ['acme', 'acme-corp', 'a1.b2.c-3', '0']) expect(endorLabsSourceSchema.safeParse({ ...valid, namespace }).success).toBe(true);
  });

  it.each(['Acme', 'acme_prod', 'acme..prod', '.acme', 'acme.', '', 'acme/prod', 'acme prod', 'x'.repeat(201)])(
    'rejects namespace %j with the rule',
    (namespace) => {
      const result = endorLabsSourceSchema.safeParse({ ...valid, namespace });
      expect(result.success).toBe(false);
      expect(z.prettifyError(result.error!)).toMatch(/namespace/);
    },
  );

  it('requires both secrets, rejects unknown fields and URLs with credentials, and never echoes a secret', () => {
    const noSecret = endorLabsSourceSchema.safeParse({ ...valid, apiSecret: '' });
    expect(z.prettifyError(noSecret.error!)).toMatch(/apiSecret must not be empty/);
    expect(endorLabsSourceSchema.safeParse({ ...valid, token: 'x' }).success).toBe(false);
    expect(endorLabsSourceSchema.safeParse({ ...valid, endpoint: 'https://u:p@api.endorlabs.com' }).success).toBe(false);
    const wrongType = endorLabsSourceSchema.safeParse({ ...valid, apiKey: 42, namespace: 'Bad' });
    expect(JSON.stringify(wrongType.error!.issues)).not.toContain('endr+secret');
    const shape = endorLabsSourceSchema.shape;
    expect(z.globalRegistry.get(shape.apiKey)?.writeOnly).toBe(true);
    expect(z.globalRegistry.get(shape.apiSecret)?.writeOnly).toBe(true);
  });

  it('shows no secret in its view, and names objects endorlabs-<namespace> with dots as dashes', () => {
    expect(endorLabsSourceView(endorLabsSourceSchema.parse(valid))).toEqual({
      type: 'endorlabs',
      namespace: 'acme.prod',
      endpoint: 'https://api.endorlabs.com',
    });
    expect(endorLabsScopeSlug('acme.prod')).toBe('endorlabs-acme-prod');
    expect(endorLabsScopeSlug('acme')).toBe('endorlabs-acme');
  });
});
