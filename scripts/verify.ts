// `scripts/auditflow verify …` (npm run verify): the same as `npm run ctl -- verify …` (lib/evidence/verify-command.ts).
import { verifyCommand } from '../lib/evidence/verify-command';

process.exitCode = await verifyCommand(process.argv.slice(2));
