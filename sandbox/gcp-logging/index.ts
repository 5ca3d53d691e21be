/** Public surface of the fake Cloud Logging API, for tests (and the demo sandbox and benchmarks). */
export { createFakeCloudLogging, PRIVATE_LOG_VIEWER, VIEWER, type FakeCloudLogging, type FakeCloudLoggingOptions } from './server';
export { LogEntryStore, type AddOptions, type GeneratedLog, type StoredEntry } from './store';
export { buildEntries, formatNanos, nanosOf } from './entries';
export { FilterError, parseFilter, matches } from './filter';
