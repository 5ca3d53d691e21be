/** Public surface of the fake Endor Labs API, for tests, the demo sandbox and the chaos run. */
export { createFakeEndorLabs, type FakeEndorLabs, type FakeEndorLabsOptions } from './server';
export { buildAuditLog, loginRecord, operationRecord } from './records';
export { formatMicros } from './time';
