// The one DataConverter of every Temporal client and worker (worker, API, scripts, tests): JSON payloads
// encoded natively and encrypted by the codec, failure messages and stack traces encoded so the codec
// encrypts them too.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec';
import { loadEncryptionKeys, type KeySourceOptions } from './codec-keys';

/**
 * A module with a `failureConverter` export, as DataConverter.failureConverterPath wants it. Workflow
 * bundles built ahead of time (tests) pass it to bundleWorkflowCode so the sandbox encodes failures too.
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./codec-failure-converter.ts', import.meta.url));

/** A module with a `payloadConverter` export: JSON through the runtime's native UTF-8 codec. */
export const PAYLOAD_CONVERTER_PATH = fileURLToPath(new URL('./json-payload-converter.ts', import.meta.url));

export type DataConverterOptions = KeySourceOptions;

/** The payload codec alone: the API's remote-codec endpoint uses it. */
export function createPayloadCodec(options: DataConverterOptions = {}): EncryptionCodec {
  return new EncryptionCodec(loadEncryptionKeys(options));
}

/**
 * Keys come from AUDITFLOW_ENCRYPTION_KEYS ("k2:base64,k1:base64"; the first encrypts, all decrypt);
 * without it a development key is generated once under the data dir and a warning is logged.
 */
export function createDataConverter(options: DataConverterOptions & { codec?: EncryptionCodec } = {}): DataConverter {
  return {
    payloadCodecs: [options.codec ?? createPayloadCodec(options)],
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
