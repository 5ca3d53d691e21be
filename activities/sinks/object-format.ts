// How an object's bytes are stored, the same for every destination: plain OCSF JSON Lines, or gzip.
//
// gzip objects are stored as what they are, a gzip file (`….jsonl.gz`, Content-Type application/gzip),
// with NO Content-Encoding. Content-Encoding: gzip would tell HTTP clients the gzip is only a transfer
// wrapping: GCS then serves the object decompressed (decompressive transcoding) to any reader that does
// not send Accept-Encoding: gzip, and S3/Azure clients that honour the header (curl --compressed,
// browsers, many HTTP libraries) inflate it on the fly. A SIEM would then receive bytes that are not
// the ones stored, whose MD5 does not match the store's hash, under a name that says .gz. Without it,
// every reader gets exactly the stored gzip bytes and verifies them; the metadata below says what is
// inside.
//
// The gzip bytes are deterministic (fixed level, no file name, mtime 0, OS "unknown"): a retried upload
// of the same events produces the same object, so a 412 on retry compares equal and is success.
import { constants, gunzipSync, gzipSync } from 'node:zlib';

export type Compression = 'none' | 'gzip';

/** User metadata every object carries (x-goog-meta-*, x-amz-meta-*): how to read it without the name. */
const FORMAT_METADATA_KEY = 'auditflow-format';
const COMPRESSION_METADATA_KEY = 'auditflow-compression';
/** What the bytes are once decompressed. */
export const OCSF_JSONL_FORMAT = 'ocsf-1.5.0+jsonl';
export const JSONL_CONTENT_TYPE = 'application/x-ndjson';

/** What a store is told about an object besides its bytes. */
export interface ObjectFormat {
  contentType: string;
  /** User metadata (lowercase keys, ASCII values). */
  metadata: Record<string, string>;
}

export interface ObjectBody {
  body: Buffer;
  format: ObjectFormat;
}

/** Byte 9 of a gzip header (RFC 1952): the OS that wrote it; 255 = unknown, the same on every worker. */
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNKNOWN = 0xff;

/** gzip of `data` with a fixed header: the same input gives the same bytes on every worker. */
export function deterministicGzip(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
  // zlib writes mtime 0 and no name already; the OS byte is the build's, so fix it.
  gz.writeUInt32LE(0, 4);
  gz[GZIP_OS_OFFSET] = GZIP_OS_UNKNOWN;
  return gz;
}

/** The stored bytes and format of one object's JSON Lines under `compression` (absent: none). */
export function objectBodyOf(jsonl: Buffer, compression: Compression | undefined): ObjectBody {
  if (compression === 'gzip') {
    return {
      body: deterministicGzip(jsonl),
      format: { contentType: 'application/gzip', metadata: { [FORMAT_METADATA_KEY]: OCSF_JSONL_FORMAT, [COMPRESSION_METADATA_KEY]: 'gzip' } },
    };
  }
  return {
    body: jsonl,
    format: { contentType: JSONL_CONTENT_TYPE, metadata: { [FORMAT_METADATA_KEY]: OCSF_JSONL_FORMAT, [COMPRESSION_METADATA_KEY]: 'none' } },
  };
}

/** A stored object's OCSF JSON Lines, read as a consumer would: a `.gz` object gunzipped (which also checks its CRC). */
export const jsonlOf = (name: string, bytes: Buffer): string => (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
