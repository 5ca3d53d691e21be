// Loaded by path (DataConverter.failureConverterPath) in the worker, the workflow sandbox and clients,
// so it must import nothing but the SDK. With encodeCommonAttributes, a failure's message and stack
// trace travel as a payload, which the codec encrypts; history shows only "Encoded failure".
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
