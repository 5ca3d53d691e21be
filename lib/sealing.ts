// Sealed secrets. The payload codec encrypts everything Temporal stores, but it must also decode it for
// the Temporal UI, so whoever may open the UI could read customers' tokens and keys. Write-only fields
// are therefore sealed once more before a workflow starts: a compact JWE (ECDH-ES+A256KW, A256GCM) to
// a public key whose private half only workers hold. The API holds the public key alone, so neither it
// nor its codec endpoint can unseal; an activity unseals just before it uses the secret. History, and
// history decoded through the codec, shows `"token": {"sealed": "eyJ…"}`.
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { z } from 'zod';
import type { SealedSecret } from '../contracts/sealed-secret';
import { dataDirFrom, readOrCreateDevSecret, type KeySourceOptions } from './codec-keys';
import { mapWriteOnlyFields, writeOnlyPaths } from './write-only-fields';
import { settingsFrom } from './settings';

export type { SealedSecret } from '../contracts/sealed-secret';

export const SEALING_KEYS_VAR = 'AUDITFLOW_SEALING_KEYS';
export const SEALING_PUBLIC_KEY_VAR = 'AUDITFLOW_SEALING_PUBLIC_KEY';
export const SEALING_ALG = 'ECDH-ES+A256KW';
export const SEALING_ENC = 'A256GCM';
const DEV_KEYS_FILE = 'dev-sealing-keys.json';
const KID = /^[A-Za-z0-9._-]{1,128}$/;

/** A value as an activity uses it: every sealed secret in it opened. */
export type Unsealed<T> = T extends SealedSecret
  ? string
  : T extends string | number | boolean | bigint | symbol | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Unsealed<U>>
      : { [K in keyof T]: Unsealed<T[K]> };

export interface SealingKey {
  kid: string;
  privateKey: KeyObject;
}

export interface SealingPublicKey {
  kid: string;
  publicKey: KeyObject;
}

export function isSealed(value: unknown): value is SealedSecret {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as SealedSecret).sealed === 'string'
  );
}

function checkKey(kid: unknown, key: KeyObject, source: string): string {
  if (typeof kid !== 'string' || !KID.test(kid)) throw new Error(`${source}: every key needs a "kid" of letters, digits, ".", "_" or "-"`);
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'x25519') {
    throw new Error(`${source}: key "${kid}" must be an EC (P-256, P-384, P-521) or X25519 key for ${SEALING_ALG}`);
  }
  return kid;
}

const EC_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** The public point recomputed from "d" is the one given (Node does not check that itself). */
function publicPartMatches(jwk: JsonWebKey): boolean {
  const curve = jwk.kty === 'EC' && jwk.crv ? EC_CURVES[jwk.crv] : undefined;
  if (!curve || !jwk.d) return true;
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
  const point = ecdh.getPublicKey();
  const size = (point.length - 1) / 2;
  return point.subarray(1, 1 + size).toString('base64url') === jwk.x && point.subarray(1 + size).toString('base64url') === jwk.y;
}

/** `[{"kid": "…", "kty": "EC", "crv": "P-256", "x", "y", "d"}, …]`: the first seals, all unseal. */
export function parseSealingKeys(value: string, source = SEALING_KEYS_VAR): SealingKey[] {
  let jwks: unknown;
  try {
    jwks = JSON.parse(value);
  } catch {
    throw new Error(`${source} must be a JSON array of private JWKs with "kid" (see README, "Sealed secrets")`);
  }
  if (!Array.isArray(jwks) || jwks.length === 0) throw new Error(`${source} must be a non-empty JSON array of private JWKs with "kid"`);
  const keys = jwks.map((jwk: JsonWebKey & { kid?: unknown }, index) => {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      // Node accepts a "d" that does not belong to "x"/"y"; such a key would never open what it seals.
      if (!publicPartMatches(jwk)) throw new Error('mismatch');
    } catch {
      // The message names the entry, never its material.
      throw new Error(`${source}: entry ${index + 1} is not a private JWK (or its private and public parts do not match)`);
    }
    return { kid: checkKey(jwk.kid, privateKey, source), privateKey };
  });
  const kids = keys.map((k) => k.kid);
  const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (duplicate) throw new Error(`${source}: key id "${duplicate}" appears twice`);
  return keys;
}

/** A public JWK with "kid" (what `publicSealingJwk` prints). */
export function parseSealingPublicKey(value: string, source = SEALING_PUBLIC_KEY_VAR): SealingPublicKey {
  let jwk: JsonWebKey & { kid?: unknown; d?: unknown };
  let publicKey: KeyObject;
  try {
    jwk = JSON.parse(value) as typeof jwk;
    publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new Error(`${source} must be a public JWK with "kid" (JSON)`);
  }
  // Whoever configures the API with the private half hands it the power the split exists to deny it.
  if (jwk.d !== undefined) throw new Error(`${source} holds a private key ("d"); give the API the public key only`);
  return { kid: checkKey(jwk.kid, publicKey, source), publicKey };
}

/** A new key pair as JWKs: `private` goes into the workers' AUDITFLOW_SEALING_KEYS, `public` to the API. */
export function generateSealingKey(): { kid: string; privateJwk: JsonWebKey & { kid: string }; publicJwk: JsonWebKey & { kid: string } } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const kid = `seal-${createHash('sha256').update(`${privateJwk.x}.${privateJwk.y}`).digest('hex').slice(0, 12)}`;
  return { kid, privateJwk: { kid, ...privateJwk }, publicJwk: publicSealingJwk({ kid, privateKey }) };
}

export function publicSealingJwk(key: SealingKey | SealingPublicKey): JsonWebKey & { kid: string } {
  const publicKey = 'publicKey' in key ? key.publicKey : createPublicKey(key.privateKey);
  return { kid: key.kid, ...publicKey.export({ format: 'jwk' }) };
}

function devKeys(options: KeySourceOptions): { file: string; keys: SealingKey[] } {
  const file = path.join(options.dataDir ?? dataDirFrom(options.env ?? process.env), DEV_KEYS_FILE);
  const value = readOrCreateDevSecret(file, () => JSON.stringify([generateSealingKey().privateJwk]));
  return { file, keys: parseSealingKeys(value, file) };
}

/** The workers' keys: AUDITFLOW_SEALING_KEYS, or the persisted development key (with a loud warning). */
export function loadSealingKeys(options: KeySourceOptions = {}): SealingKey[] {
  const env = options.env ?? process.env;
  const { AUDITFLOW_SEALING_KEYS: configured } = settingsFrom(env);
  if (configured) return parseSealingKeys(configured);
  const { file, keys } = devKeys(options);
  (options.log ?? console).warn(
    `${SEALING_KEYS_VAR} is not set: secrets are sealed with the DEVELOPMENT key in ${file}. ` +
      `Set ${SEALING_KEYS_VAR} (workers) and ${SEALING_PUBLIC_KEY_VAR} (API) outside local development.`,
  );
  return keys;
}

/**
 * The API's key: AUDITFLOW_SEALING_PUBLIC_KEY. Without it the public half of the first of
 * AUDITFLOW_SEALING_KEYS (a warning: the API should not hold private keys), or of the development key.
 */
export function loadSealingPublicKey(options: KeySourceOptions = {}): SealingPublicKey {
  const env = options.env ?? process.env;
  const settings = settingsFrom(env);
  if (settings.AUDITFLOW_SEALING_PUBLIC_KEY) return parseSealingPublicKey(settings.AUDITFLOW_SEALING_PUBLIC_KEY);
  const log = options.log ?? console;
  if (settings.AUDITFLOW_SEALING_KEYS) {
    log.warn(`${SEALING_PUBLIC_KEY_VAR} is not set: the API seals with the first of ${SEALING_KEYS_VAR}; give the API only the public key.`);
  }
  const [first] = loadSealingKeys(options);
  return { kid: first!.kid, publicKey: createPublicKey(first!.privateKey) };
}

export interface Sealer {
  /**
   * Seals every write-only field of `value` (paths from `writeOnlyPaths(schema)`), on a copy. The copy
   * keeps T's type: the types of configs that carry secrets admit a SealedSecret where a string was.
   */
  sealWriteOnly<T>(value: T, schema: z.ZodType): Promise<T>;
  seal(secret: string): Promise<SealedSecret>;
}

export function createSealer(key: SealingPublicKey): Sealer {
  const pathsOf = new WeakMap<z.ZodType, string[]>();
  const seal = async (secret: string): Promise<SealedSecret> => ({
    sealed: await new CompactEncrypt(new TextEncoder().encode(secret))
      .setProtectedHeader({ alg: SEALING_ALG, enc: SEALING_ENC, kid: key.kid, cty: 'text/plain' })
      .encrypt(key.publicKey),
  });
  return {
    seal,
    async sealWriteOnly(value, schema) {
      let paths = pathsOf.get(schema);
      if (!paths) pathsOf.set(schema, (paths = writeOnlyPaths(schema)));
      return mapWriteOnlyFields(value, paths, seal);
    },
  };
}

/**
 * The plaintext of a write-only field that the activity has unsealed (or that was never sealed). A
 * sealed one here is a bug (an activity forgot to unseal): fail rather than send the JWE as a token.
 */
export function openedSecret(value: string | SealedSecret, path: string): string {
  if (typeof value === 'string') return value;
  throw new UnsealError(`${path} is still sealed where it is used: the activity must unseal its input first`);
}

/** Why a sealed secret cannot be opened: names the key id, never material. */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

export interface Unsealer {
  /** Opens every `{"sealed": …}` in `value`; plain strings (histories from before sealing) pass through. */
  unsealAll<T>(value: T): Promise<Unsealed<T>>;
}

export function createUnsealer(keys: readonly SealingKey[]): Unsealer {
  const byKid = new Map(keys.map((k) => [k.kid, k.privateKey]));
  const open = async ({ sealed }: SealedSecret): Promise<string> => {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(sealed).kid;
    } catch {
      throw new UnsealError('A sealed secret is malformed');
    }
    const key = kid ? byKid.get(kid) : undefined;
    if (!key) throw new UnsealError(`A secret is sealed with key "${kid ?? '(none)'}", which this worker does not hold: add it to ${SEALING_KEYS_VAR}`);
    try {
      const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: [SEALING_ALG], contentEncryptionAlgorithms: [SEALING_ENC] });
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new UnsealError(`A secret sealed with key "${kid}" does not open: it was altered, or the key "${kid}" is not the one it was sealed with`);
    }
  };
  const walk = async (value: unknown): Promise<unknown> => {
    if (isSealed(value)) return open(value);
    if (Array.isArray(value)) return Promise.all(value.map(walk));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await walk(v)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  };
  return { unsealAll: async <T>(value: T) => (await walk(value)) as Unsealed<T> };
}
