// auditflow as an OIDC issuer for workload identity federation: the discovery document and the JWKS
// Google's STS reads to verify the tokens the worker signs. Public by design (no bearer token): it holds
// only public keys. Mount it at the root of AUDITFLOW_PUBLIC_URL.
import { Router } from 'express';
import type { OidcSigningKeys } from '../lib/wif-keys';
import { OIDC_SIGNING_ALG } from '../lib/wif-keys';

export interface OidcRouterOptions {
  /** AUDITFLOW_PUBLIC_URL (publicUrlFrom in lib/wif.ts): exactly the `iss` the worker signs. */
  issuer: string;
  /** loadOidcSigningKeys(): all of them are published, so a rotation never breaks verification. */
  keys: OidcSigningKeys;
}

export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

export function createOidcRouter(options: OidcRouterOptions): Router {
  const issuer = options.issuer.replace(/\/+$/, '');
  const discovery = {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [OIDC_SIGNING_ALG],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti'],
  };
  const jwks = { keys: options.keys.all.map((key) => key.publicJwk) };
  const router = Router();
  // Short caching: verifiers pick up a newly added key within minutes.
  router.get(DISCOVERY_PATH, (_req, res) => void res.set('Cache-Control', 'public, max-age=300').json(discovery));
  router.get(JWKS_PATH, (_req, res) => void res.set('Cache-Control', 'public, max-age=300').json(jwks));
  return router;
}
