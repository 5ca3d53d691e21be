// Builds (once) or finds the Temporal CLI and the GCS emulator, and prints where they are.
import { ensureTool, TOOLS, type ToolName } from '../lib/tools';

for (const name of Object.keys(TOOLS) as ToolName[]) {
  try {
    console.log(`${name}: ${ensureTool(name)}`);
  } catch (error) {
    console.error(`auditflow: ${(error as Error).message}`);
    process.exit(1);
  }
}
