// `npm start`: the whole local stack on embedded defaults — Temporal dev server (SQLite under the data
// dir), GCS emulator (objects as plain files under the data dir; with AUDITFLOW_DEMO_DESTINATION=s3 also
// a local S3 server, versitygw, likewise; with azure-blob Azurite, blobs in its workspace under the data
// dir), worker and API — supervised (a
// process that crashes is restarted with backoff) and stopped together on Ctrl-C / SIGTERM, or when one
// of them is in a crash loop.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { codecEndpointUrl, localStackCodecPathKey } from '../api/codec-routes';
import { apiRoutes } from '../api/openapi';
import { startProcess, waitUntilReady } from '../lib/child-process';
import {
  localAzuriteAccount,
  localS3RootCredentials,
  S3_SERVER_REGION,
  startAzurite,
  startGcsEmulator,
  startS3Server,
  startTemporalDevServer,
} from '../lib/local-infra';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { settingsFrom } from '../lib/settings';
import { dataDirFrom } from '../lib/codec-keys';
import { Supervisor } from '../lib/supervisor';
import { connectionOptions, describeCredentials, loadTemporalSettings, repoRoot } from '../lib/temporal-config';
import { ensureTools, temporalPathLine, type ToolName } from '../lib/tools';
import { WORKER_ENV_DEFAULTS, workerProcessArgs } from '../worker/process-args';
import { startDemo, type Demo } from './demo';

const say = (line: string) => console.log(`auditflow: ${line}`);

async function main(): Promise<void> {
  const settings = loadTemporalSettings();
  const config = settingsFrom();
  const dataDir = dataDirFrom();
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const apiPort = config.AUDITFLOW_API_PORT;
  const gcsPort = config.AUDITFLOW_GCS_PORT;
  const s3Port = config.AUDITFLOW_S3_PORT;
  const azuritePort = config.AUDITFLOW_AZURITE_PORT;
  const withDemo = config.AUDITFLOW_DEMO === '1';
  const withS3 = withDemo && config.AUDITFLOW_DEMO_DESTINATION === 's3';
  const withAzurite = withDemo && config.AUDITFLOW_DEMO_DESTINATION === 'azure-blob';
  const apiToken = config.AUDITFLOW_API_TOKEN?.join(',') || randomBytes(24).toString('base64url');
  const generatedToken = !config.AUDITFLOW_API_TOKEN?.length;

  let demo: Demo | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // The demo first: it deletes its integration through the API, which is still up. Not after a crash
    // loop: the integration stays (the next start replaces it), as it does through every restart.
    if (code === 0) await demo?.stop().catch((error: unknown) => say(`demo: ${(error as Error).message}`));
    // Worker and API first (they drain), then the services they use.
    await supervisor.stopAll();
    say('stopped');
    process.exit(code);
  };
  const supervisor = new Supervisor({
    say: (line) => console.error(`auditflow: ${line}; see ${logDir}`),
    onCrashLoop: () => void stopAll(1),
  });
  process.on('SIGINT', () => void stopAll(0)); // a terminal sends it to the group, npm once more
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGHUP', () => void stopAll(0));
  // If whatever started us dies without passing a signal on (a killed npm), we must not linger.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stopAll(0), 1_000).unref();

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const uiOrigins = [`http://127.0.0.1:${settings.devServer.uiPort}`, `http://localhost:${settings.devServer.uiPort}`];
  // Both builds (first run only) overlap, before anything starts; an external server needs no CLI.
  const toolNames: ToolName[] = settings.externalServer ? ['fake-gcs-server'] : ['temporal', 'fake-gcs-server'];
  const tools = await ensureTools(withS3 ? [...toolNames, 'versitygw'] : toolNames);
  const pathLine = tools.temporal ? temporalPathLine(tools.temporal) : undefined;
  if (settings.externalServer) {
    say(`using the Temporal server at ${settings.address} (${describeCredentials(settings.credentials)}; TEMPORAL_ADDRESS or the temporal.toml profile)`);
  } else {
    say('starting the Temporal dev server…');
    await supervisor.add({
      name: 'temporal dev server',
      start: () =>
        startTemporalDevServer({
          settings,
          dbFile: path.join(dataDir, settings.devServer.dbFilename),
          // The UI decodes payloads through the API's remote codec; Temporal itself stores only ciphertext.
          codecEndpoint: codecEndpointUrl(apiUrl, apiToken.split(',')[0]!.trim()),
          logFile: path.join(logDir, 'temporal.log'),
        }),
    });
  }
  const connection = await Connection.connect(connectionOptions(settings));
  await ensureSearchAttributes(connection, settings);
  await connection.close();

  say('starting the GCS emulator…');
  const gcsRoot = path.join(dataDir, 'gcs');
  const gcsUrl = `http://127.0.0.1:${gcsPort}`;
  await supervisor.add({
    name: 'GCS emulator',
    start: async () => (await startGcsEmulator({ port: gcsPort, filesystemRoot: gcsRoot, logFile: path.join(logDir, 'gcs.log') })).process,
  });

  let s3: { url: string; root: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } | undefined;
  if (withS3) {
    say('starting the S3 server (AUDITFLOW_DEMO_DESTINATION=s3)…');
    s3 = { url: `http://127.0.0.1:${s3Port}`, root: path.join(dataDir, 's3'), region: S3_SERVER_REGION, credentials: localS3RootCredentials(dataDir) };
    const { root, credentials } = s3;
    await supervisor.add({
      name: 'S3 server',
      start: async () =>
        (await startS3Server({ port: s3Port, root, iamDir: path.join(dataDir, 's3-iam'), ...credentials, logFile: path.join(logDir, 's3.log') })).process,
    });
  }

  let azure: { url: string; location: string; accountName: string; accountKey: string } | undefined;
  if (withAzurite) {
    say('starting Azurite (AUDITFLOW_DEMO_DESTINATION=azure-blob)…');
    const account = localAzuriteAccount(dataDir);
    azure = { url: `http://127.0.0.1:${azuritePort}/${account.accountName}`, location: path.join(dataDir, 'azurite'), ...account };
    const { location } = azure;
    await supervisor.add({
      name: 'Azurite',
      start: async () => (await startAzurite({ port: azuritePort, ...account, location, logFile: path.join(logDir, 'azurite.log') })).process,
    });
  }

  const childEnv = {
    ...process.env,
    AUDITFLOW_DATA_DIR: dataDir,
    AUDITFLOW_API_TOKEN: apiToken,
    AUDITFLOW_API_PORT: String(apiPort),
    AUDITFLOW_PUBLIC_URL: config.AUDITFLOW_PUBLIC_URL || apiUrl,
    AUDITFLOW_UI_ORIGINS: (config.AUDITFLOW_UI_ORIGINS ?? uiOrigins).join(','),
    AUDITFLOW_CODEC_PATH_KEY: localStackCodecPathKey(process.env, !settings.externalServer),
    TEMPORAL_ADDRESS: settings.address,
  };
  const tsx = (file: string) => ['--import', 'tsx', path.join(repoRoot, file)];
  // The worker waits for Temporal by itself (and says so in its log); it drains for up to 30 s on stop.
  await supervisor.add({
    name: 'worker',
    start: async () =>
      startProcess('worker', process.execPath, workerProcessArgs(), { env: { ...WORKER_ENV_DEFAULTS, ...childEnv }, logFile: path.join(logDir, 'worker.log') }),
    stopTimeoutMs: 35_000,
  });
  await supervisor.add({
    name: 'API',
    start: async () => {
      const api = startProcess('API', process.execPath, tsx('api/main.ts'), { env: childEnv, logFile: path.join(logDir, 'api.log') });
      // Loading the API through tsx took over 30 s at a load of 20 on 2 cores (a few seconds when idle).
      await waitUntilReady(api, async () => (await fetch(`${apiUrl}/healthz`)).ok, 120_000);
      return api;
    },
  });

  const temporalUiUrl = settings.externalServer ? undefined : `http://${settings.devServer.ip}:${settings.devServer.uiPort}`;
  if (withDemo) {
    say('starting the demo (AUDITFLOW_DEMO=0 skips it)…');
    try {
      demo = await startDemo({ apiUrl, apiToken: apiToken.split(',')[0]!.trim(), gcsUrl, gcsRoot, s3, azure, temporalUiUrl, namespace: settings.namespace });
    } catch (error) {
      say(`the demo did not start (${(error as Error).message}); the stack runs without it`);
    }
  }

  console.log('');
  say('the local stack is up');
  console.log(`  Temporal UI      ${temporalUiUrl ?? '(your server)'}`);
  console.log(`  Temporal gRPC    ${settings.address}  namespace ${settings.namespace}, task queue ${settings.taskQueue}`);
  console.log(`  API              ${apiUrl}  (OpenAPI document at /openapi.json; try scripts/auditflow ctl list)`);
  for (const route of apiRoutes()) console.log(`                     ${route}`);
  console.log(`  API token        ${generatedToken ? `${apiToken}  (generated; set AUDITFLOW_API_TOKEN to choose one)` : '(from AUDITFLOW_API_TOKEN)'}`);
  console.log(`  GCS emulator     ${gcsUrl}  objects as files under ${gcsRoot}`);
  if (s3) console.log(`  S3 server        ${s3.url}  objects as files under ${s3.root}; root keys in ${path.join(dataDir, 'dev-s3-root.json')}`);
  if (azure)
    console.log(`  Azurite          ${azure.url}  blobs in its workspace ${azure.location}; account key in ${path.join(dataDir, 'dev-azurite-account.json')}`);
  console.log(`  Logs             ${logDir}`);
  if (tools.temporal) {
    console.log(`  Temporal CLI     scripts/auditflow temporal …  (runs ${tools.temporal})`);
    if (pathLine) console.log(`                   for a plain \`temporal\`: ${pathLine}`);
  }
  const pids = ['temporal dev server', 'GCS emulator', 'S3 server', 'Azurite', 'worker', 'API']
    .map((name) => [name, supervisor.current(name)?.child.pid] as const)
    .filter(([, pid]) => pid);
  console.log(`  Processes        ${pids.map(([name, pid]) => `${name} pid ${pid}`).join(', ')}  (restarted if they crash)`);
  if (demo) {
    console.log('');
    // The demo's source is Mondoo, but the type is the registry's union of every source's view.
    const demoScope = (demo.integration.source as { scopeMrn?: string }).scopeMrn ?? demo.integration.source.type;
    say(`demo: integration ${demo.integration.id} exports ${demoScope} from a local Mondoo sandbox`);
    console.log(`  Demo workflow    ${demo.workflowUrl ?? demo.integration.workflowId}`);
    console.log(`  Demo files       ${demo.filesDir}  (OCSF JSON Lines; new ones every ${demo.integration.intervalMinutes} minutes)`);
    console.log(`  Demo sandbox     ${demo.sandbox.url}  token ${demo.sandbox.token}  (a generated history; new events every few seconds)`);
    console.log('');
    say('sandbox: Mondoo, Endor Labs and Cloud Logging fakes with generated audit logs; to export one, run its line');
    if (generatedToken) console.log(`  export AUDITFLOW_API_TOKEN=${apiToken}`);
    for (const { type, command } of demo.createCommands) console.log(`  # ${type}\n  ${command}`);
  }

  console.log('');
  say('press Ctrl-C to stop everything');
}

main().catch((error: unknown) => {
  console.error(`auditflow: ${(error as Error).message}`);
  process.exit(1);
});
