// `npm run settings-doc`: writes docs/settings.md from lib/settings.ts (a unit test checks it is current).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { settingsMarkdown } from '../lib/settings';
import { repoRoot } from '../lib/temporal-config';

writeFileSync(path.join(repoRoot, 'docs', 'settings.md'), settingsMarkdown());
console.log('wrote docs/settings.md');
