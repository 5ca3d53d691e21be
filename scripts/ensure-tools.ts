// Builds (once) or finds the Temporal CLI, the GCS emulator and the S3 server, and prints where they are.
// `ensure-tools.ts temporal` handles just that tool and prints only its path (scripts/auditflow temporal).
import { ensureTools, TOOLS, type ToolName } from '../lib/tools';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in TOOLS));
if (unknown.length > 0) {
  console.error(`auditflow: unknown tool ${unknown.join(', ')} (known: ${Object.keys(TOOLS).join(', ')})`);
  process.exit(2);
}
const names = (requested.length > 0 ? requested : Object.keys(TOOLS)) as ToolName[];
try {
  const paths = await ensureTools(names);
  for (const name of names) console.log(requested.length === 1 ? paths[name] : `${name}: ${paths[name]}`);
} catch (error) {
  console.error(`auditflow: ${(error as Error).message}`);
  process.exit(1);
}
