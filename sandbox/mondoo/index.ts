/** Public surface of the fake Mondoo API, for tests, the demo sandbox and benchmarks. */
export { createFakeMondoo, type FakeMondoo, type FakeMondooOptions } from './server';
export { EventStore, type AddOptions, type EventStoreOptions, type StoredEvent, type TimeFilter } from './event-store';
export { startAppender, type AppenderOptions } from './appender';
export { type GeneratedOptions } from './generate';
export { DEFAULT_ORGS, orgMrn, spaceMrn, type OrgSpec, type SpaceSpec } from './topology';
export { formatTimestamp, parseTimestampSeconds } from './time';
export { AUDIT_LOG_SDL } from './schema';
export { AUDIT_LOG_QUERY, createAuditLogClient, type AuditLogConnection, type AuditLogVariables } from './client';
