// auditflow's own version (package.json), written into every object's metadata and every manifest so an
// auditor knows which release wrote a file.
import { readFileSync } from 'node:fs';

export const AUDITFLOW_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
