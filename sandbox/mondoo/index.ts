/** Public surface of the fake Mondoo API, for tests, the demo sandbox and benchmarks. */
export { createFakeMondoo, type FakeMondoo, type FakeMondooOptions } from './server';
export { orgMrn, spaceMrn, type OrgSpec } from './topology';
