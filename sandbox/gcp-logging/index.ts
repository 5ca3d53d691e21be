/** Public surface of the fake Cloud Logging API, for tests (and the demo sandbox and benchmarks). */
export { createFakeCloudLogging, PRIVATE_LOG_VIEWER, VIEWER, type FakeCloudLogging, type FakeCloudLoggingOptions } from './server';
export { buildEntries, nanosOf } from './entries';
export { parseFilter, matches } from './filter';
