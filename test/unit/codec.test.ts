// The payload codec: AES-256-GCM with named keys, rotation, compression, tamper detection, key loading.
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { CodecError, EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, type EncryptionKey } from '../../lib/codec';
import { loadEncryptionKeys, parseEncryptionKeys } from '../../lib/codec-keys';
import { failureConverter } from '../../lib/codec-failure-converter';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../../lib/data-converter';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const SECRET = 'mondoo-token-Qw3rTy-9f8e7d6c5b4a';

describe('EncryptionCodec', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('round-trips a payload and leaves neither the value nor its encoding readable', async () => {
    const codec = new EncryptionCodec([k1]);
    const original = toPayload({ token: SECRET, n: 1 });
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k1');
    const raw = Buffer.from(encoded!.data!);
    expect(raw.includes(SECRET)).toBe(false);
    expect(raw.includes('json/plain')).toBe(false);
    expect(raw.includes(Buffer.from(SECRET).toString('base64').slice(0, 16))).toBe(false);
    const [decoded] = await codec.decode([encoded!]);
    expect(fromPayload(decoded!)).toEqual({ token: SECRET, n: 1 });
  });

  it('encrypts the same value differently every time (random nonce)', async () => {
    const codec = new EncryptionCodec([k1]);
    const [a, b] = await codec.encode([toPayload(SECRET), toPayload(SECRET)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates: new payloads use the first key, payloads under an older listed key still decode', async () => {
    const [old] = await new EncryptionCodec([k1]).encode([toPayload('written before rotation')]);
    const rotated = new EncryptionCodec([k2, k1]);
    expect(fromPayload((await rotated.decode([old!]))[0]!)).toBe('written before rotation');
    const [fresh] = await rotated.encode([toPayload('after')]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
    await expect(new EncryptionCodec([k1]).decode([fresh!])).rejects.toThrow(/key id "k2", which is not configured \(known: k1\)/);
  });

  it('detects tampering and a relabelled key id', async () => {
    const codec = new EncryptionCodec([k2, k1]);
    const [encoded] = await codec.encode([toPayload({ token: SECRET })]);
    const flipped = Buffer.from(encoded!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data: flipped }])).rejects.toThrow(CodecError);
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);
  });

  it('passes unencrypted payloads through (history from before the codec)', async () => {
    const plain = toPayload({ a: 1 });
    expect(await new EncryptionCodec([k1]).decode([plain])).toEqual([plain]);
  });

  it('compresses payloads that shrink, and not tiny or incompressible ones', async () => {
    const codec = new EncryptionCodec([k1]);
    const batch = Array.from({ length: 2000 }, (_, i) => ({ action: 'mondoo.agents.AgentManager.CreateServiceAccount', seq: i, ip: '203.0.113.7' }));
    const big = toPayload(batch);
    const [bigEncoded] = await codec.encode([big]);
    expect(bigEncoded!.data!.length).toBeLessThan(big.data!.length / 5);
    const random = toPayload(randomBytes(4096).toString('base64'));
    const [randomEncoded] = await codec.encode([random]);
    // Base64 text compresses to about 3/4; random bytes themselves would not shrink at all.
    expect(randomEncoded!.data!.length).toBeLessThan(random.data!.length);
    const small = toPayload('x');
    const [smallEncoded] = await codec.encode([small]);
    expect(smallEncoded!.data!.length).toBeLessThan(80);
    for (const [original, encoded] of [
      [big, bigEncoded],
      [random, randomEncoded],
      [small, smallEncoded],
    ] as const) {
      expect(fromPayload((await codec.decode([encoded!]))[0]!)).toEqual(fromPayload(original));
    }
  });

  it('reads payloads compressed with deflate, as written before zstd, and refuses an unknown compression', async () => {
    const codec = new EncryptionCodec([k1]);
    const original = toPayload({ events: Array.from({ length: 50 }, (_, seq) => ({ seq, action: 'CreateServiceAccount' })) });
    const serialized = Buffer.from(proto.temporal.api.common.v1.Payload.encode(original).finish());
    // The format of the payloads in the v2 replay fixture: version | nonce | AES-GCM(compression byte | body) | tag.
    const seal = (compression: number, body: Buffer): Payload => {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k1.key, nonce);
      cipher.setAAD(Buffer.from('auditflow-payload-v1:k1'));
      const sealed = Buffer.concat([cipher.update(Buffer.of(compression)), cipher.update(body), cipher.final()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from('k1') },
        data: Buffer.concat([Buffer.of(1), nonce, sealed, cipher.getAuthTag()]),
      };
    };
    const [fromDeflate] = await codec.decode([seal(1, deflateRawSync(serialized))]);
    expect(fromPayload(fromDeflate!)).toEqual(fromPayload(original));
    await expect(codec.decode([seal(7, serialized)])).rejects.toThrow(/unknown compression \(7\)/);
  });

  it('refuses bad key sets', () => {
    expect(() => new EncryptionCodec([])).toThrow(/at least one/);
    expect(() => new EncryptionCodec([{ id: 'short', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new EncryptionCodec([k1, { ...k2, id: 'k1' }])).toThrow(/unique/);
  });
});

describe('encryption keys from the environment', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('parses "id:base64,id:base64" in order, and never quotes key material in errors', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseEncryptionKeys(` k2:${a.toString('base64')} , k1:${b.toString('base64url')} `);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0]!.key.equals(a) && keys[1]!.key.equals(b)).toBe(true);
    const short = randomBytes(16).toString('base64');
    const error = (() => {
      try {
        parseEncryptionKeys(`k1:${short}`);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(error).toMatch(/AUDITFLOW_ENCRYPTION_KEYS: key "k1" must be 32 bytes/);
    expect(error).not.toContain(short);
    expect(() => parseEncryptionKeys(`${a.toString('base64')}`)).toThrow(/entry 1 must look like "id:base64key"/);
    expect(() => parseEncryptionKeys(`k:${a.toString('base64')},k:${b.toString('base64')}`)).toThrow(/appears twice/);
    expect(() => parseEncryptionKeys(' , ')).toThrow(/is empty/);
  });

  it('without AUDITFLOW_ENCRYPTION_KEYS generates a development key once, privately, and warns', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'auditflow-codec-'));
    dirs.push(dataDir);
    const warnings: string[] = [];
    const log = { warn: (message: string) => warnings.push(message) };
    const first = loadEncryptionKeys({ env: {}, dataDir, log });
    const second = loadEncryptionKeys({ env: {}, dataDir, log });
    expect(first[0]!.id).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(second[0]!.key.equals(first[0]!.key)).toBe(true);
    const file = path.join(dataDir, 'dev-encryption-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^dev-[0-9a-f]{8}:/);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/AUDITFLOW_ENCRYPTION_KEYS is not set.*DEVELOPMENT key/);
    // A configured key wins and nothing is written or logged.
    const configured = loadEncryptionKeys({ env: { AUDITFLOW_ENCRYPTION_KEYS: `prod:${randomBytes(32).toString('base64')}` }, dataDir: '/nonexistent', log });
    expect(configured[0]!.id).toBe('prod');
    expect(warnings).toHaveLength(2);
  });
});

describe('the data converter', () => {
  it('is one codec plus the failure converter that encodes messages and stack traces', async () => {
    const converter = createDataConverter({ env: { AUDITFLOW_ENCRYPTION_KEYS: `t:${randomBytes(32).toString('base64')}` } });
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    const loaded = (await import(FAILURE_CONVERTER_PATH)) as { failureConverter: unknown };
    expect(loaded.failureConverter).toBeDefined();

    const failure = failureConverter.errorToFailure(ApplicationFailure.nonRetryable(`token ${SECRET} rejected`, 'SourceAuth'), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const codec = converter.payloadCodecs![0]!;
    const [sealed] = await codec.encode([failure.encodedAttributes!]);
    expect(Buffer.from(sealed!.data!).includes(SECRET)).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    const error = failureConverter.failureToError({ ...failure, encodedAttributes: opened }, defaultPayloadConverter);
    expect(error.message).toBe(`token ${SECRET} rejected`);
    expect((error as ApplicationFailure).type).toBe('SourceAuth');
  });
});
