// First: an old Node stops here with what to do, also for a direct `npx vitest`.
import './scripts/check-node.mjs';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` gets one real Temporal dev server and one
// real GCS emulator for the whole run (test/global-setup.ts) and isolates tests by unique ids.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Two cores: more parallel files only make the dev server the bottleneck.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
