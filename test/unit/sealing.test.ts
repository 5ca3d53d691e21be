// Sealed secrets: the write-only marking in the zod schemas decides what is sealed; only the workers'
// private keys open it; rotation works like the payload codec's (first seals, all unseal).
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createIntegrationSchema } from '../../api/schemas/integration';
import {
  createSealer,
  createUnsealer,
  generateSealingKey,
  isSealed,
  openedSecret,
  parseSealingKeys,
  parseSealingPublicKey,
  SEALING_ALG,
} from '../../lib/sealing';
import { mapWriteOnlyFields, writeOnly, writeOnlyPaths } from '../../lib/write-only-fields';

const TOKEN = 'mondoo-token-do-not-show';
// A readable PEM key: the shared service-account key schema refuses anything else.
const PRIVATE_KEY_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_FILE = JSON.stringify({ type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com', private_key: PRIVATE_KEY_PEM });

function keyPair() {
  const generated = generateSealingKey();
  return {
    ...generated,
    keys: parseSealingKeys(JSON.stringify([generated.privateJwk])),
    publicKey: parseSealingPublicKey(JSON.stringify(generated.publicJwk)),
  };
}

const body = (credentials: unknown) =>
  createIntegrationSchema.parse({
    name: 'n',
    source: { type: 'mondoo', scopeMrn: '//captain.api.mondoo.app/spaces/s1', token: TOKEN },
    destination: { type: 'gcs', bucket: 'my-bucket', ...(credentials ? { credentials } : {}) },
  });

describe('write-only fields', () => {
  it('are listed from the schema marking, through unions and optional fields', () => {
    // The Cloud Audit Logs source takes the GCS destination's credentials: its key is sealed the same way.
    // Azure Blob's account key, client secret and SAS token are write-only as well.
    expect(writeOnlyPaths(createIntegrationSchema)).toEqual([
      'destination.credentials.accountKey',
      'destination.credentials.clientSecret',
      'destination.credentials.sasToken',
      'destination.credentials.secretAccessKey',
      'destination.credentials.serviceAccountJson',
      'destination.credentials.sessionToken',
      'source.apiKey',
      'source.apiSecret',
      'source.credentials.serviceAccountJson',
      'source.token',
    ]);
  });

  it('include new fields marked with writeOnly(), in arrays too', () => {
    const schema = z.object({
      a: writeOnly(z.string()),
      b: z.object({ c: z.string(), d: writeOnly(z.string()).optional() }),
      e: z.array(z.object({ secret: writeOnly(z.string(), 'a client secret') })),
    });
    expect(writeOnlyPaths(schema)).toEqual(['a', 'b.d', 'e.[].secret']);
  });

  it('are replaced where present only, on a copy', async () => {
    const value = { a: 'x', b: { c: 'y' }, e: [{ secret: 's1' }, { secret: 's2' }] };
    const mapped = await mapWriteOnlyFields(value, ['a', 'b.d', 'e.[].secret'], async (s) => s.toUpperCase());
    expect(mapped).toEqual({ a: 'X', b: { c: 'y' }, e: [{ secret: 'S1' }, { secret: 'S2' }] });
    expect(value.a).toBe('x');
  });
});

describe('sealing', () => {
  it('seals the token and the key file; the workers key opens them; the rest stays readable', async () => {
    const { keys, publicKey, kid } = keyPair();
    const sealed = await createSealer(publicKey).sealWriteOnly(body({ serviceAccountJson: KEY_FILE }), createIntegrationSchema);
    const json = JSON.stringify(sealed);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain('secret');
    expect(json).not.toContain(PRIVATE_KEY_PEM.split('\n')[1]);
    // The body is a Mondoo source (the registry's union also holds other types).
    if (sealed.source.type !== 'mondoo') throw new Error('expected the Mondoo source of body()');
    expect(isSealed(sealed.source.token)).toBe(true);
    const credentials = sealed.destination.credentials as unknown as { serviceAccountJson: { sealed: string } };
    expect(decodeProtectedHeader(credentials.serviceAccountJson.sealed)).toMatchObject({ alg: SEALING_ALG, enc: 'A256GCM', kid });
    expect(sealed.source.scopeMrn).toBe('//captain.api.mondoo.app/spaces/s1');

    const opened = await createUnsealer(keys).unsealAll(sealed);
    expect(opened.source).toMatchObject({ token: TOKEN });
    expect(opened.destination.credentials).toEqual({ serviceAccountJson: KEY_FILE });
  });

  it('leaves workload identity settings (not secret) and plain strings of older histories alone', async () => {
    const { keys, publicKey } = keyPair();
    const wif = {
      wifAudience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q',
      wifServiceAccountEmail: 'a@b.iam.gserviceaccount.com',
    };
    const sealed = await createSealer(publicKey).sealWriteOnly(body(wif), createIntegrationSchema);
    expect(sealed.destination.credentials).toEqual(wif);
    const legacy = { source: { type: 'mondoo', token: TOKEN } };
    expect(await createUnsealer(keys).unsealAll(legacy)).toEqual(legacy);
  });

  it('rotates: a new first key seals, the old one still opens what it sealed', async () => {
    const old = keyPair();
    const next = keyPair();
    const before = await createSealer(old.publicKey).seal(TOKEN);
    const after = await createSealer(next.publicKey).seal(TOKEN);
    const rotated = createUnsealer(parseSealingKeys(JSON.stringify([next.privateJwk, old.privateJwk])));
    expect(await rotated.unsealAll({ before, after })).toEqual({ before: TOKEN, after: TOKEN });
    // A worker without the key says which key it lacks, never the secret.
    await expect(createUnsealer(next.keys).unsealAll(before)).rejects.toThrow(new RegExp(`sealed with key "${old.kid}", which this worker does not hold`));
  });

  it('refuses a tampered seal, and a sealed value where plaintext is needed', async () => {
    const { keys, publicKey } = keyPair();
    const { sealed } = await createSealer(publicKey).seal(TOKEN);
    const parts = sealed.split('.');
    parts[3] = parts[3]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    await expect(createUnsealer(keys).unsealAll({ sealed: parts.join('.') })).rejects.toThrow(/does not open/);
    expect(() => openedSecret({ sealed }, 'source.token')).toThrow(/source.token is still sealed/);
    expect(openedSecret(TOKEN, 'source.token')).toBe(TOKEN);
  });

  it('keeps private keys away from the API and key material out of messages', () => {
    const { privateJwk } = keyPair();
    expect(() => parseSealingPublicKey(JSON.stringify(privateJwk))).toThrow(/private key/);
    const broken = JSON.stringify([{ ...privateJwk, d: 'AAAA' }]);
    expect(() => parseSealingKeys(broken)).toThrow(/entry 1 is not a private JWK/);
    try {
      parseSealingKeys(broken);
    } catch (error) {
      expect((error as Error).message).not.toContain(privateJwk.x!);
    }
    expect(() => parseSealingKeys(JSON.stringify([privateJwk, privateJwk]))).toThrow(/appears twice/);
  });
});
