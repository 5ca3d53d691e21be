// How objects are stored: gzip a SIEM can check, the same bytes on every attempt, metadata that says how to read it.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deterministicGzip, jsonlOf, objectBodyOf } from '../../activities/sinks/object-format';

describe('object format', () => {
  const jsonl = Buffer.from('{"class_uid":6003,"time":1}\n{"class_uid":6003,"time":2}\n');

  it('gzip: a gzip file (application/gzip, no Content-Encoding) that inflates to the JSON Lines, metadata naming both', () => {
    const { body, format } = objectBodyOf(jsonl, 'gzip');
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
    expect(gunzipSync(body)).toEqual(jsonl);
    expect(jsonlOf('a.jsonl.gz', body)).toBe(jsonl.toString());
    expect(format).toEqual({ contentType: 'application/gzip', metadata: { 'auditflow-format': 'ocsf-1.5.0+jsonl', 'auditflow-compression': 'gzip' } });
  });

  it('gzip bytes are deterministic: no mtime, no name, OS unknown; the same MD5 on every retry', () => {
    const a = deterministicGzip(jsonl);
    expect(a.readUInt32LE(4)).toBe(0);
    expect(a[3]).toBe(0); // FLG: no name, comment or extra field
    expect(a[9]).toBe(0xff);
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    expect(md5(deterministicGzip(Buffer.from(jsonl)))).toBe(md5(a));
  });

  it('none (and absent, for older configs): the JSON Lines as they are', () => {
    for (const compression of ['none', undefined] as const) {
      const { body, format } = objectBodyOf(jsonl, compression);
      expect(body).toBe(jsonl);
      expect(format.contentType).toBe('application/x-ndjson');
      expect(format.metadata['auditflow-compression']).toBe('none');
    }
  });
});
