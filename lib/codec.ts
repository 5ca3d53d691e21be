// The payload codec that keeps secrets out of Temporal in plaintext: every payload (workflow inputs and
// results, activity inputs and results, signals, queries, memos, encoded failure attributes) is
// compressed when that helps and then sealed with AES-256-GCM under a named key, so keys can rotate.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { constants as zlibConstants, inflateRaw, zstdCompress, zstdDecompress } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS package: Node's ESM loader cannot see its named exports.
import proto from '@temporalio/proto';

const PayloadProto = proto.temporal.api.common.v1.Payload;
const inflateRawAsync = promisify(inflateRaw);
const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);
/** zstd at level 1 compresses a batch's OCSF several times faster than deflate, and as small. */
const ZSTD_OPTIONS = { params: { [zlibConstants.ZSTD_c_compressionLevel]: 1 } };

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';

/** Layout of `data`: version (1) | nonce (12) | ciphertext | GCM tag (16). */
const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of the plaintext: how the serialized payload inside is compressed. */
const PLAIN = 0;
/** Written before zstd; still read. */
const DEFLATE = 1;
const ZSTD = 2;
/** Smaller payloads rarely shrink; compressing them only costs time. */
const COMPRESS_FROM_BYTES = 256;
/** Refuse to decompress past this: a batch's largest payload is a few MB even as plain JSON, so anything near this is not ours. */
const MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024;

export interface EncryptionKey {
  /** Short, non-secret name stored with every payload, e.g. "k2". */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

const utf8 = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM over the whole serialized Payload (its metadata included, so the encoding of the
 * original is hidden too). New payloads use the first key; any listed key decodes. The key id is bound
 * to the ciphertext as associated data, so relabelling a payload with another key id fails to open.
 */
export class EncryptionCodec implements PayloadCodec {
  /** KeyObjects made once: a cipher made from a raw Buffer key converts it on every payload (3x the cost of a small payload's whole seal). */
  private readonly byId: Map<string, KeyObject>;
  private readonly current: { id: string; key: KeyObject };

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new CodecError('the payload codec needs at least one encryption key');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new CodecError(`encryption key "${id}" must be 32 bytes, got ${key.length}`);
    }
    this.byId = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    if (this.byId.size !== keys.length) throw new CodecError('encryption key ids must be unique');
    this.current = { id: keys[0]!.id, key: this.byId.get(keys[0]!.id)! };
  }

  /** The id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.encodeOne(payload)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.decodeOne(payload)));
  }

  private async encodeOne(payload: Payload): Promise<Payload> {
    const serialized = Buffer.from(PayloadProto.encode(payload).finish());
    let body = serialized;
    let compression = PLAIN;
    if (serialized.length >= COMPRESS_FROM_BYTES) {
      const compressed = await zstdCompressAsync(serialized, ZSTD_OPTIONS);
      if (compressed.length < serialized.length * 0.9) {
        body = compressed;
        compression = ZSTD;
      }
    }
    const { id, key } = this.current;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(associatedData(id));
    const sealed = Buffer.concat([cipher.update(Buffer.of(compression)), cipher.update(body), cipher.final()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
        [CIPHER_METADATA]: Buffer.from(CIPHER),
      },
      data: Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, sealed, cipher.getAuthTag()]),
    };
  }

  private async decodeOne(payload: Payload): Promise<Payload> {
    // Payloads written before the codec was installed (or by another codec) pass through unchanged.
    if (utf8(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = utf8(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.byId.get(keyId);
    if (!key) {
      throw new CodecError(
        `payload was encrypted with key id "${keyId}", which is not configured (known: ${[...this.byId.keys()].join(', ')}). ` +
          'Add that key to AUDITFLOW_ENCRYPTION_KEYS (after the current one) to read it.',
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < 1 + NONCE_BYTES + 1 + TAG_BYTES || data[0] !== FORMAT_VERSION) {
      throw new CodecError(`encrypted payload (key id "${keyId}") is truncated or of an unknown format version`);
    }
    const nonce = data.subarray(1, 1 + NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(associatedData(keyId));
    decipher.setAuthTag(tag);
    let opened: Buffer;
    try {
      opened = Buffer.concat([decipher.update(data.subarray(1 + NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CodecError(`encrypted payload (key id "${keyId}") failed authentication: wrong key or tampered data`);
    }
    const body = opened.subarray(1);
    const serialized = await decompress(opened[0], body, keyId);
    return PayloadProto.decode(serialized);
  }
}

async function decompress(compression: number | undefined, body: Buffer, keyId: string): Promise<Buffer> {
  const limit = { maxOutputLength: MAX_PLAINTEXT_BYTES };
  switch (compression) {
    case PLAIN:
      return body;
    case DEFLATE:
      return inflateRawAsync(body, limit);
    case ZSTD:
      return zstdDecompressAsync(body, limit);
    default:
      throw new CodecError(`encrypted payload (key id "${keyId}") uses an unknown compression (${compression})`);
  }
}

function associatedData(keyId: string): Buffer {
  return Buffer.from(`auditflow-payload-v${FORMAT_VERSION}:${keyId}`);
}
