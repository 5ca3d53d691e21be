// Loaded by path (DataConverter.payloadConverterPath) in the worker, the workflow sandbox and clients,
// so it imports nothing but the SDK. The SDK's JSON converter turns strings into UTF-8 with a
// JavaScript encoder, which was the worker's largest cost per batch (bench: a batch's OCSF is ~1 MB
// of JSON). The runtime's TextEncoder/TextDecoder do the same conversion natively; the workflow
// sandbox has them too. Payloads are byte-for-byte what the default converter writes (json/plain).
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  encodingKeys,
  JsonPayloadConverter,
  METADATA_ENCODING_KEY,
  UndefinedPayloadConverter,
  ValueError,
  type Payload,
} from '@temporalio/common';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NativeJsonPayloadConverter extends JsonPayloadConverter {
  override toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      return undefined;
    }
    if (json === undefined) return undefined;
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: encoder.encode(json) };
  }

  override fromPayload<T>(content: Payload): T {
    if (content.data === undefined || content.data === null) throw new ValueError('Got payload with no data');
    return JSON.parse(decoder.decode(content.data)) as T;
  }
}

/** The default converter's order (undefined, binary, JSON), with the native JSON converter. */
export const payloadConverter = new CompositePayloadConverter(new UndefinedPayloadConverter(), new BinaryPayloadConverter(), new NativeJsonPayloadConverter());
