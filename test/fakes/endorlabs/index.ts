/** Public surface of the fake Endor Labs API, for tests (and later the demo sandbox and benchmarks). */
export { createFakeEndorLabs, type FakeEndorLabs, type FakeEndorLabsOptions } from './server';
export { AuditLogStore, type AddOptions, type AuditLogStoreOptions, type GeneratedHistory, type StoredAuditLog } from './store';
export { buildAuditLog, loginRecord, operationRecord, uuidFrom } from './records';
export { formatMicros, parseMicros } from './time';
