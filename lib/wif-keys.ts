// The keys auditflow signs its workload-identity tokens with, as an OIDC issuer. Rotatable: tokens are
// signed with the first key, the JWKS publishes all of them, so a new key can be published before it
// signs and an old one kept until the tokens it signed have expired.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { dataDirFrom, readOrCreateDevSecret, type KeySourceOptions } from './codec-keys';
import { settingsFrom } from './settings';

export const OIDC_SIGNING_KEYS_VAR = 'AUDITFLOW_OIDC_SIGNING_KEYS';
export const OIDC_SIGNING_ALG = 'RS256';
const KID = /^[A-Za-z0-9._-]{1,128}$/;

/** A public key as the JWKS serves it. */
export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: typeof OIDC_SIGNING_ALG;
  use: 'sig';
}

export interface OidcSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface OidcSigningKeys {
  /** Signs new tokens: the first configured key. */
  signing: OidcSigningKey;
  /** Every configured key, for the JWKS. */
  all: OidcSigningKey[];
}

function toSigningKey(kid: string, privateKey: KeyObject, source: string): OidcSigningKey {
  if (!KID.test(kid)) throw new Error(`${source}: key id "${kid.slice(0, 40)}" must be letters, digits, ".", "_" or "-"`);
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new Error(`${source}: key "${kid}" must be an RSA private key of at least 2048 bits (tokens are signed ${OIDC_SIGNING_ALG})`);
  }
  const { kty, n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { kid, privateKey, publicJwk: { kty, n, e, kid, alg: OIDC_SIGNING_ALG, use: 'sig' } };
}

function privateKeyFrom(input: JsonWebKey | string, kid: string, source: string): KeyObject {
  try {
    return typeof input === 'string' ? createPrivateKey(input) : createPrivateKey({ key: input, format: 'jwk' });
  } catch {
    // The parser's message may quote the input; say only which key failed.
    throw new Error(`${source}: key "${kid}" is not a readable private key (PKCS#8/PKCS#1 PEM, or a JWK with "d")`);
  }
}

/**
 * Two formats: a JSON array (or `{"keys": […]}`) of private RSA JWKs, each with a `kid`; or
 * `kid:base64(PEM)[,kid:base64(PEM)…]`. The first key signs. Errors never quote key material.
 */
export function parseOidcSigningKeys(value: string, source = OIDC_SIGNING_KEYS_VAR): OidcSigningKey[] {
  const trimmed = value.trim();
  let keys: OidcSigningKey[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error(`${source} looks like JSON but does not parse`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(list)) throw new Error(`${source} must be a JSON array of private JWKs or {"keys": [...]}`);
    keys = list.map((jwk: JsonWebKey & { kid?: unknown }, index) => {
      const kid = typeof jwk?.kid === 'string' ? jwk.kid : '';
      if (!kid) throw new Error(`${source}: JWK ${index + 1} has no "kid"`);
      return toSigningKey(kid, privateKeyFrom(jwk, kid, source), source);
    });
  } else {
    keys = trimmed
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry, index) => {
        const colon = entry.indexOf(':');
        if (colon <= 0) throw new Error(`${source}: entry ${index + 1} must look like "kid:base64(PEM)"`);
        const kid = entry.slice(0, colon);
        const pem = Buffer.from(entry.slice(colon + 1), 'base64').toString('utf8');
        return toSigningKey(kid, privateKeyFrom(pem, kid, source), source);
      });
  }
  if (keys.length === 0) throw new Error(`${source} names no key`);
  const kids = keys.map((k) => k.kid);
  const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (duplicate) throw new Error(`${source}: key id "${duplicate}" appears twice`);
  return keys;
}

/** RFC 7638 thumbprint: a stable, non-secret name for a key. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
}

/** A fresh RSA key as a private JWK with a thumbprint kid: what the dev default and tests use. */
export function generateOidcSigningJwk(prefix = 'key'): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `${prefix}-${jwkThumbprint(jwk).slice(0, 12)}` };
}

/**
 * AUDITFLOW_OIDC_SIGNING_KEYS, or a development key generated once under the data dir (the API that
 * publishes the JWKS and the worker that signs read the same file), with a loud warning.
 */
export function loadOidcSigningKeys(options: KeySourceOptions = {}): OidcSigningKeys {
  const env = options.env ?? process.env;
  const configured = settingsFrom(env).AUDITFLOW_OIDC_SIGNING_KEYS;
  let all: OidcSigningKey[];
  if (configured) {
    all = parseOidcSigningKeys(configured);
  } else {
    const file = path.join(options.dataDir ?? dataDirFrom(env), 'dev-oidc-signing-key.json');
    all = parseOidcSigningKeys(
      readOrCreateDevSecret(file, () => JSON.stringify([generateOidcSigningJwk('dev')])),
      file,
    );
    (options.log ?? console).warn(
      `${OIDC_SIGNING_KEYS_VAR} is not set: workload identity tokens are signed with the DEVELOPMENT key in ${file}. ` +
        `Set ${OIDC_SIGNING_KEYS_VAR} outside local development.`,
    );
  }
  return { signing: all[0]!, all };
}
