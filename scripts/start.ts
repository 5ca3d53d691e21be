// `npm start`: the whole local stack on embedded defaults — Temporal dev server (SQLite under the data
// dir), GCS emulator (objects as plain files under the data dir), worker and API — stopped together
// on Ctrl-C / SIGTERM.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { startProcess, type ManagedProcess } from '../lib/child-process';
import { startGcsEmulator, startTemporalDevServer } from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadTemporalSettings, repoRoot } from '../lib/temporal-config';

const say = (line: string) => console.log(`auditflow: ${line}`);

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const dataDir = path.resolve(process.env.AUDITFLOW_DATA_DIR || path.join(repoRoot, '.auditflow'));
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const apiPort = Number(process.env.AUDITFLOW_API_PORT || 8080);
  const gcsPort = Number(process.env.AUDITFLOW_GCS_PORT || 4443);
  const apiToken = process.env.AUDITFLOW_API_TOKEN || randomBytes(24).toString('base64url');
  const generatedToken = !process.env.AUDITFLOW_API_TOKEN;

  const processes: ManagedProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // Worker and API first (they drain), then the services they use.
    for (const proc of [...processes].reverse()) await proc.stop(35_000);
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0)); // a terminal sends it to the group, npm once more
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGHUP', () => void stopAll(0));
  // If whatever started us dies without passing a signal on (a killed npm), we must not linger.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stopAll(0), 1_000).unref();
  const watch = (proc: ManagedProcess) => {
    processes.push(proc);
    void proc.exited.then((code) => {
      if (!stopping) {
        console.error(`auditflow: ${proc.name} exited unexpectedly (code ${code}); see ${logDir}`);
        void stopAll(1);
      }
    });
  };

  if (settings.externalServer) {
    say(`using the Temporal server at ${settings.address} (TEMPORAL_ADDRESS)`);
  } else {
    say('starting the Temporal dev server…');
    watch(
      await startTemporalDevServer({
        settings,
        dbFile: path.join(dataDir, settings.devServer.dbFilename),
        logFile: path.join(logDir, 'temporal.log'),
      }),
    );
  }
  const connection = await Connection.connect({ address: settings.address });
  await ensureSearchAttributes(connection, settings);
  await connection.close();

  say('starting the GCS emulator…');
  const gcsRoot = path.join(dataDir, 'gcs');
  const gcs = await startGcsEmulator({ port: gcsPort, filesystemRoot: gcsRoot, logFile: path.join(logDir, 'gcs.log') });
  watch(gcs.process);

  const childEnv = { ...process.env, AUDITFLOW_API_TOKEN: apiToken, AUDITFLOW_API_PORT: String(apiPort), TEMPORAL_ADDRESS: settings.address };
  const tsx = (file: string) => ['--import', 'tsx', path.join(repoRoot, file)];
  watch(startProcess('worker', process.execPath, tsx('worker/main.ts'), { env: childEnv, logFile: path.join(logDir, 'worker.log') }));
  const api = startProcess('API', process.execPath, tsx('api/main.ts'), { env: childEnv, logFile: path.join(logDir, 'api.log') });
  watch(api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHttp(`${apiUrl}/healthz`, 30_000);

  console.log('');
  say('the local stack is up');
  console.log(`  Temporal UI      ${settings.externalServer ? '(your server)' : `http://${settings.devServer.ip}:${settings.devServer.uiPort}`}`);
  console.log(`  Temporal gRPC    ${settings.address}  namespace ${settings.namespace}, task queue ${settings.taskQueue}`);
  console.log(`  API              ${apiUrl}  (GET /healthz, /readyz)`);
  console.log(`  API token        ${generatedToken ? `${apiToken}  (generated; set AUDITFLOW_API_TOKEN to choose one)` : '(from AUDITFLOW_API_TOKEN)'}`);
  console.log(`  GCS emulator     ${gcs.url}  objects as files under ${gcsRoot}`);
  console.log(`  Logs             ${logDir}`);

  console.log('');
  say('press Ctrl-C to stop everything');
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

main().catch((error: unknown) => {
  console.error(`auditflow: ${(error as Error).message}`);
  process.exit(1);
});
