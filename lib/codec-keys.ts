// Where the payload encryption keys come from: AUDITFLOW_ENCRYPTION_KEYS, or for the local stack and
// tests a development key generated once and kept under the data dir. Also the one helper that persists
// such development secrets (the OIDC signing key uses it too).
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EncryptionKey } from './codec';
import { settingsFrom } from './settings';
import { repoRoot } from './temporal-config';

export const ENCRYPTION_KEYS_VAR = 'AUDITFLOW_ENCRYPTION_KEYS';
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Something that can shout a warning; a pino logger or console. */
export interface WarnLog {
  warn(message: string): void;
}

export function dataDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(settingsFrom(env).AUDITFLOW_DATA_DIR || path.join(repoRoot, '.auditflow'));
}

/**
 * Parses `k2:base64key,k1:base64key` (base64 or base64url of 32 bytes each). The first key encrypts;
 * all decode. Messages name the variable and key id, never key material.
 */
export function parseEncryptionKeys(value: string, source = ENCRYPTION_KEYS_VAR): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${source} is empty; expected "id:base64key[,id:base64key…]"`);
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) {
      throw new Error(`${source}: entry ${index + 1} must look like "id:base64key" with an id of letters, digits, ".", "_" or "-"`);
    }
    // Node's base64 decoder reads the url-safe alphabet too.
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) {
      throw new Error(`${source}: key "${id}" must be 32 bytes (base64 of 32 random bytes, e.g. \`openssl rand -base64 32\`), got ${key.length}`);
    }
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`${source}: key id "${duplicate}" appears twice`);
  return keys;
}

export function formatEncryptionKeys(keys: readonly EncryptionKey[]): string {
  return keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
}

export interface KeySourceOptions {
  env?: NodeJS.ProcessEnv;
  /** Where development secrets live; default AUDITFLOW_DATA_DIR or .auditflow. */
  dataDir?: string;
  log?: WarnLog;
}

/** The configured keys, or the persisted development key (with a loud warning). */
export function loadEncryptionKeys(options: KeySourceOptions = {}): EncryptionKey[] {
  const env = options.env ?? process.env;
  const configured = settingsFrom(env).AUDITFLOW_ENCRYPTION_KEYS;
  if (configured) return parseEncryptionKeys(configured);
  const file = path.join(options.dataDir ?? dataDirFrom(env), 'dev-encryption-key');
  const value = readOrCreateDevSecret(file, () => {
    const key = randomBytes(32);
    return formatEncryptionKeys([{ id: `dev-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`, key }]);
  });
  (options.log ?? console).warn(
    `${ENCRYPTION_KEYS_VAR} is not set: Temporal payloads are encrypted with the DEVELOPMENT key in ${file}. ` +
      `Anyone who can read that file can read every payload. Set ${ENCRYPTION_KEYS_VAR} outside local development.`,
  );
  return parseEncryptionKeys(value.trim(), file);
}

/**
 * Reads a development secret, creating it first if needed. Creation is atomic across processes (the
 * worker and the API start together): the secret is written to a private temp file and hard-linked
 * into place, so a reader never sees a half-written file and the first writer wins.
 */
export function readOrCreateDevSecret(file: string, generate: () => string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, generate(), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return readFileSync(file, 'utf8');
}
