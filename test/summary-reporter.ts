import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const LOG_DIR = path.join(import.meta.dirname, '..', '.auditflow', 'test-logs');

/** Ends the run with one plain line, `N passed, N failed, N skipped`, that any CI can read. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    // The SDK's lines (expected-error WARNs included) and the servers' logs stay off the console.
    const integration = testModules.some((module) => module.project.name === 'integration');
    if (integration && existsSync(path.join(LOG_DIR, 'sdk.log')))
      console.log(`\nlogs: ${path.relative(process.cwd(), LOG_DIR) || '.'}/ (sdk.log, temporal.log, gcs.log)`);
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
