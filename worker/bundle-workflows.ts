// Bundles the workflow code in a short-lived child process. Bundling (webpack) costs the process that
// does it ~150 MB that is never returned; done in the worker, every worker would carry it for life.
// Run directly, it writes the bundle to the path given as its first argument; further arguments are
// workflow interceptor modules to bundle (tracing's, lib/tracing.ts, only when tracing is on).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from '../lib/data-converter';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function bundleInChildProcess(workflowInterceptorModules: string[] = []): Promise<{ codePath: string }> {
  const codePath = path.join(mkdtempSync(path.join(tmpdir(), 'auditflow-bundle-')), 'workflows.js');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), codePath, ...workflowInterceptorModules], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return { codePath };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, ...workflowInterceptorModules] = process.argv.slice(2);
  if (!out) throw new Error('usage: bundle-workflows.ts <output file> [workflow interceptor module …]');
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(out, code);
}
