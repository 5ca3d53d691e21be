/** Public surface of the fake Endor Labs API, for tests (and later the demo sandbox and benchmarks). */
export { createFakeEndorLabs, type FakeEndorLabs, type FakeEndorLabsOptions } from './server';
export { buildAuditLog, loginRecord, operationRecord } from './records';
export { formatMicros } from './time';
