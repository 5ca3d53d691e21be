// The native JSON payload converter must write exactly what the SDK's default converter writes, so
// histories stay readable by any client, and read back every value the default converter could write.
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { payloadConverter } from '../../lib/json-payload-converter';

const values: unknown[] = [
  null,
  0,
  -1.5,
  true,
  'plain',
  'ünïcödé, 日本語, emoji 🛡️, a lone surrogate \ud800, control \u0001 and "quotes"\n',
  [],
  { nested: { list: [1, 'two', { three: 3 }], empty: {} } },
  { jsonl: '{"a":1}\n{"b":"ß"}\n'.repeat(1000) },
];

describe('payloadConverter (native UTF-8 JSON)', () => {
  it.each(values.map((value) => [JSON.stringify(value).slice(0, 40), value]))("writes the default converter's bytes for %s and reads them back", (_, value) => {
    const ours = payloadConverter.toPayload(value);
    const sdk = defaultPayloadConverter.toPayload(value);
    expect(Buffer.from(ours.data!).equals(Buffer.from(sdk.data!))).toBe(true);
    expect(Buffer.from(ours.metadata!.encoding!).toString()).toBe(Buffer.from(sdk.metadata!.encoding!).toString());
    expect(payloadConverter.fromPayload(sdk)).toEqual(defaultPayloadConverter.fromPayload(sdk));
  });

  it('keeps undefined and binary values to the converters before JSON', () => {
    expect(Buffer.from(payloadConverter.toPayload(undefined).metadata!.encoding!).toString()).toBe('binary/null');
    const bytes = new Uint8Array([1, 2, 3]);
    const binary = payloadConverter.toPayload(bytes);
    expect(Buffer.from(binary.metadata!.encoding!).toString()).toBe('binary/plain');
    expect(payloadConverter.fromPayload(binary)).toEqual(bytes);
  });
});
