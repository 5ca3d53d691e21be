// Every AUDITFLOW_* environment variable, in one zod schema: its type, default and meaning. Processes
// read their settings through settingsFrom(); docs/settings.md is generated from SETTINGS
// (`npm run settings-doc`), and a unit test keeps it in step. An empty variable counts as unset. Keys
// and tokens are strings here; lib/codec-keys.ts, lib/sealing.ts and lib/wif-keys.ts parse them, with
// messages that name the variable and never the key material.
//
// Temporal's own connection settings (TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TEMPORAL_TLS_*, …) are not
// here: they are Temporal's, read by @temporalio/envconfig (lib/temporal-config.ts). Of OpenTelemetry's
// OTEL_* variables, the few that decide whether tracing runs at all are here (lib/tracing.ts reads them);
// the rest (headers, sampler, batch sizes, resource attributes) the OpenTelemetry SDK reads itself, as
// its specification defines them.
import { z } from 'zod';
import { AUDITFLOW_VERSION } from './version';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SDK_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a port number')
  .min(1, 'must be a port number')
  .max(65535, 'must be a port number');
const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be a positive whole number of ${what}` })
    .int(`must be a positive whole number of ${what}`)
    .positive(`must be a positive whole number of ${what}`);
/** The SDK takes 0 or 1 as 2 with a warning (a workflow cache needs room for two), so we refuse them. */
const atLeastTwo = (what: string) =>
  z.coerce
    .number({ error: `must be a whole number of ${what}, at least 2` })
    .int(`must be a whole number of ${what}, at least 2`)
    .min(2, `must be a whole number of ${what}, at least 2`);
const url = z.url({ error: 'must be an absolute URL' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
/** Comma-separated, blanks around and between commas ignored. */
const list = z.string().transform((raw) =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean),
);

/** Who reads a variable: for the docs. */
type Reader = 'worker' | 'API' | 'worker, API' | 'start' | 'ctl' | 'scripts' | 'tests';

/** OpenTelemetry's boolean: "true" in any case is true, anything else false (its specification). */
const otelBoolean = z.string().transform((raw) => raw.trim().toLowerCase() === 'true');
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], { error: 'must be http/protobuf or http/json (OTLP over gRPC is not supported)' });

interface Setting<T extends z.ZodType> {
  schema: T;
  /** The default as the docs show it. */
  shown: string;
  readBy: Reader;
  doc: string;
}

const setting = <T extends z.ZodType>(schema: T, readBy: Reader, shown: string, doc: string): Setting<T> => ({ schema, shown, readBy, doc });

export const SETTINGS = {
  AUDITFLOW_DATA_DIR: setting(
    z.string().optional(),
    'scripts',
    '`.auditflow` in the checkout',
    'local stack data: Temporal SQLite file, emulator objects, logs, development keys',
  ),
  AUDITFLOW_CACHE: setting(z.string().optional(), 'scripts', '`~/.cache/auditflow`', 'provisioned Node and built Go tools'),
  AUDITFLOW_LOG_LEVEL: setting(z.enum(LOG_LEVELS).default('info'), 'worker, API', '`info`', 'pino log level of worker and API'),
  AUDITFLOW_TASK_QUEUE: setting(
    z.string().optional(),
    'worker, API',
    '`audit-log-export` (temporal.yaml)',
    'task queue of the worker, and where the API starts workflows',
  ),
  // API
  AUDITFLOW_API_PORT: setting(port.default(8080), 'API', '`8080`', 'API port (it listens on 127.0.0.1; a reverse proxy publishes it)'),
  AUDITFLOW_API_TOKEN: setting(list.optional(), 'API', 'required (`start` generates and prints one)', 'bearer token(s) for the API, comma-separated to rotate'),
  AUDITFLOW_API_TEMPORAL_TIMEOUT_MS: setting(
    z.coerce
      .number({ error: 'must be milliseconds between 100 and 120000' })
      .int()
      .min(100, 'must be milliseconds between 100 and 120000')
      .max(120_000, 'must be milliseconds between 100 and 120000')
      .default(5_000),
    'API',
    '`5000`',
    'deadline of each Temporal call the API makes; past it the request is a 503 `temporal_unavailable`',
  ),
  AUDITFLOW_UI_ORIGINS: setting(
    list.optional(),
    'API',
    "the dev UI's origins (set by `start`)",
    'origins allowed to call the remote codec (CORS), comma-separated',
  ),
  AUDITFLOW_CODEC_PATH_KEY: setting(
    z.enum(['0', '1'], { error: 'must be 1 or 0' }).optional(),
    'API',
    '`1` under `start` with its own dev server, else off',
    "also serve the codec at `/codec/k/<key derived from a token>` for the dev server's UI, which cannot send a bearer token. Local dev stack on loopback only: the API refuses to start with it when it listens elsewhere or `AUDITFLOW_PUBLIC_URL` or an `AUDITFLOW_UI_ORIGINS` origin is not loopback",
  ),
  AUDITFLOW_PUBLIC_URL: setting(
    url.optional(),
    'API',
    '`http://127.0.0.1:$AUDITFLOW_API_PORT`',
    'the OIDC issuer (`iss`) for workload identity federation; Google needs an `https://` URL',
  ),
  AUDITFLOW_SEALING_PUBLIC_KEY: setting(
    z.string().optional(),
    'API',
    'the public half of the first of `AUDITFLOW_SEALING_KEYS`, else of the development key',
    'the public JWK the API seals write-only fields with',
  ),
  // Worker
  AUDITFLOW_METRICS_PORT: setting(
    port.optional(),
    'worker',
    'unset',
    "worker serves Prometheus metrics on `127.0.0.1:<port>/metrics`: the SDK's (task latencies, slots) and `auditflow_events_fetched`, `auditflow_events_exported`, `auditflow_objects_written`, `auditflow_objects_already_present`, and the histogram `auditflow_run_start_lag` (ms a scheduled run started after its due time)",
  ),
  AUDITFLOW_HEALTH_PORT: setting(
    port.optional(),
    'worker',
    'unset',
    'worker serves `/healthz` (alive: 200 unless its worker failed) and `/readyz` (200 while it polls and Temporal answers, else 503 with the reason) on `<AUDITFLOW_HEALTH_HOST>:<port>`, for Kubernetes-style probes',
  ),
  AUDITFLOW_HEALTH_HOST: setting(
    z.string().default('127.0.0.1'),
    'worker',
    '`127.0.0.1`',
    'address the health server listens on; `0.0.0.0` where a kubelet probes the pod IP (the answers hold no secret)',
  ),
  AUDITFLOW_SDK_LOG_LEVEL: setting(
    z.enum(SDK_LOG_LEVELS).default('INFO'),
    'worker',
    '`INFO`',
    "level of the Temporal SDK's own lines in the worker's (pino JSON) log",
  ),
  // The worker's concurrency (docs/operations.md#sizing): unset, each is the SDK's default, as before they existed.
  AUDITFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES: setting(
    positiveInt('activity tasks').default(100),
    'worker',
    "`100` (the SDK's)",
    'fetch and upload activities one worker runs at once; each holds up to one batch (`maxFetchBytes`, 1.5 MB of records, and its OCSF files: the fetch maps them) in memory',
  ),
  AUDITFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: setting(
    positiveInt('local activities').default(100),
    'worker',
    "`100` (the SDK's)",
    'map local activities one worker runs at once: only executions that began before the fetch mapped its batch (a version before `map-in-fetch`) still run one',
  ),
  AUDITFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: setting(
    atLeastTwo('workflow tasks').optional(),
    'worker',
    "`40` (the SDK's), at most `AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS`",
    'workflow tasks one worker runs at once',
  ),
  AUDITFLOW_WORKER_MAX_CACHED_WORKFLOWS: setting(
    atLeastTwo('workflows').optional(),
    'worker',
    "the SDK's, from the heap limit: ~200 under `npm run worker` (512 MB old space)",
    'workflows one worker keeps in memory (sticky cache); an evicted one replays its history (at most a few hundred events) on its next task',
  ),
  AUDITFLOW_SEALING_KEYS: setting(
    z.string().optional(),
    'worker',
    'a **development** key in `<data dir>/dev-sealing-keys.json` (a warning is logged)',
    'a JSON array of private EC (P-256/384/521) or X25519 JWKs, each with a `kid`. The first is the current key, all unseal',
  ),
  AUDITFLOW_WORKER_VERSIONING: setting(
    z.enum(['0', '1'], { error: 'must be 1 or 0' }).default('1'),
    'worker',
    '`1`',
    '`1`: the worker joins Temporal Worker Deployment `AUDITFLOW_DEPLOYMENT_NAME` as version `AUDITFLOW_BUILD_ID`, and Temporal routes each workflow to the version that may run it ([operations](operations.md#upgrades)). `0`: an unversioned worker, for a server without Worker Deployments (before 1.28) or a namespace without them enabled',
  ),
  AUDITFLOW_DEPLOYMENT_NAME: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, - or _ (a "." would clash with Temporal\'s <deployment>.<build id> notation)')
      .default('auditflow'),
    'worker',
    '`auditflow`',
    'the Worker Deployment every worker of this auditflow installation joins (one per namespace and task queue)',
  ),
  AUDITFLOW_BUILD_ID: setting(
    z.string().max(255, 'must be at most 255 characters').default(AUDITFLOW_VERSION),
    'worker',
    'the package version (`package.json`, e.g. `0.1.0`)',
    "this worker's version in the deployment: the code it runs. Workers with different code must have different build ids (CI sets the image tag or commit); workers of one release share one",
  ),
  AUDITFLOW_SET_CURRENT_VERSION: setting(
    z.enum(['auto', 'never'], { error: 'must be auto or never' }).default('auto'),
    'worker',
    '`auto`',
    "`auto`: once polling, the worker makes its version the deployment's current one (new and auto-upgrade workflows go to it) unless the deployment's routing changed after its version first polled: a new build takes over, while a restarted old worker never takes work back and an operator's roll-back or ramp stands. `never`: an operator does it (`temporal worker deployment set-current-version` or a ramp)",
  ),
  AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES: setting(
    positiveInt('bytes').default(4 * 1024 * 1024),
    'worker',
    '`4194304` (4 MiB)',
    'the most bytes the worker reads of one source API response (a Mondoo page is a few hundred KB); a larger one ends the run with `SourceResponseTooLarge`',
  ),
  AUDITFLOW_GCP_LOGGING_REQUESTS_PER_MINUTE: setting(
    z.coerce.number({ error: 'must be a positive number of requests per minute' }).positive('must be a positive number of requests per minute').default(30),
    'worker',
    '`30`',
    "the worker's pace of Cloud Logging `entries.list` requests per project (Google allows 60 a minute, shared by every reader)",
  ),
  AUDITFLOW_GCS_TRUSTED_ENDPOINTS: setting(
    list.optional(),
    'worker',
    'none',
    "custom GCS endpoints (origins, comma-separated) that may receive the worker's ambient credentials",
  ),
  AUDITFLOW_S3_TRUSTED_ENDPOINTS: setting(
    list.optional(),
    'worker',
    'none',
    "custom S3 endpoints (origins, comma-separated) that may receive the worker's ambient AWS credentials",
  ),
  AUDITFLOW_AZURE_TRUSTED_ENDPOINTS: setting(
    list.optional(),
    'worker',
    'none',
    "custom Azure Blob endpoints (origins, comma-separated) that may receive the worker's ambient Azure identity",
  ),
  AUDITFLOW_GCP_TRUSTED_TOKEN_URIS: setting(
    list.optional(),
    'worker',
    'none',
    "token endpoints (full URLs, comma-separated) besides Google's `https://oauth2.googleapis.com/token` that a service-account key file's `token_uri` may name",
  ),
  AUDITFLOW_GCP_STS_URL: setting(
    url.default('https://sts.googleapis.com/v1/token'),
    'worker',
    '`https://sts.googleapis.com/v1/token`',
    "Google's Security Token Service",
  ),
  AUDITFLOW_GCP_IAM_CREDENTIALS_URL: setting(
    url.default('https://iamcredentials.googleapis.com'),
    'worker',
    '`https://iamcredentials.googleapis.com`',
    'the IAM Credentials API (impersonation)',
  ),
  // Both
  AUDITFLOW_ENCRYPTION_KEYS: setting(
    z.string().optional(),
    'worker, API',
    'a **development** key generated in `<data dir>/dev-encryption-key` (a warning is logged)',
    '`id:base64(32 bytes)`, comma-separated (`openssl rand -base64 32`). The first encrypts, all decrypt',
  ),
  AUDITFLOW_OIDC_SIGNING_KEYS: setting(
    z.string().optional(),
    'worker, API',
    'a **development** key in `<data dir>/dev-oidc-signing-key.json`',
    'a JSON array of private RSA JWKs with `kid`, or `kid:base64(PEM)`, comma-separated. The first signs, all are published',
  ),
  // Tracing: OpenTelemetry's own variables, honoured as its specification defines them
  OTEL_EXPORTER_OTLP_ENDPOINT: setting(
    httpUrl.optional(),
    'worker, API',
    'unset: tracing is off (no SDK is started)',
    'OTLP/HTTP collector base URL: worker and API export traces to `<url>/v1/traces` (see [operations](operations.md#tracing))',
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: setting(
    httpUrl.optional(),
    'worker, API',
    'unset',
    'the full OTLP/HTTP traces URL, instead of `OTEL_EXPORTER_OTLP_ENDPOINT`; either turns tracing on',
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: setting(
    otlpProtocol.optional(),
    'worker, API',
    '`http/protobuf`',
    'the OTLP encoding: `http/protobuf` or `http/json` (auditflow exports over HTTP; `grpc` is refused at start)',
  ),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: setting(otlpProtocol.optional(), 'worker, API', '`OTEL_EXPORTER_OTLP_PROTOCOL`', 'the same, for traces only'),
  OTEL_TRACES_EXPORTER: setting(
    z.string().optional(),
    'worker, API',
    '`otlp`',
    '`none` turns tracing off although an endpoint is set; `otlp` is the only exporter auditflow runs',
  ),
  OTEL_SDK_DISABLED: setting(otelBoolean.default(false), 'worker, API', '`false`', '`true` turns tracing off although an endpoint is set'),
  OTEL_SERVICE_NAME: setting(z.string().optional(), 'worker, API', '`auditflow-worker`, `auditflow-api`', "the `service.name` of the process's spans"),
  // The local stack (`scripts/auditflow start`) and the shell client
  AUDITFLOW_GCS_PORT: setting(port.default(4443), 'start', '`4443`', 'GCS emulator port'),
  AUDITFLOW_S3_PORT: setting(port.default(7070), 'start', '`7070`', 'local S3 server port (with `AUDITFLOW_DEMO_DESTINATION=s3`)'),
  AUDITFLOW_AZURITE_PORT: setting(
    port.default(10000),
    'start',
    '`10000`',
    'local Azurite (Azure Blob emulator) port (with `AUDITFLOW_DEMO_DESTINATION=azure-blob`)',
  ),
  AUDITFLOW_DEMO: setting(
    z.enum(['0', '1'], { error: 'must be 1 or 0' }).default('1'),
    'start',
    '`1`',
    '`0`: `start` runs no demo integration and no sandbox (Mondoo, Endor Labs, Cloud Logging)',
  ),
  AUDITFLOW_DEMO_DESTINATION: setting(
    z.enum(['gcs', 's3', 'azure-blob'], { error: 'must be gcs, s3 or azure-blob' }).default('gcs'),
    'start',
    '`gcs`',
    '`s3`: `start` also runs a local S3 server (versitygw, objects as files under `<data dir>/s3/`) and the demo exports there with access keys; `azure-blob`: likewise with Azurite and an account key',
  ),
  AUDITFLOW_API_URL: setting(url.default('http://127.0.0.1:8080'), 'ctl', '`http://127.0.0.1:8080`', 'the API `scripts/auditflow ctl` calls'),
  AUDITFLOW_CALLER_DIR: setting(
    z.string().optional(),
    'ctl',
    'the current directory',
    'set by `scripts/auditflow`: where relative file arguments of `ctl` are resolved',
  ),
  AUDITFLOW_NODE_VERSION: setting(
    z.string().optional(),
    'scripts',
    'the tested Node 24 release',
    'the Node that `scripts/auditflow` unpacks when the one on PATH is older than 22.15',
  ),
  AUDITFLOW_RECORD_HISTORIES: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a fixture name of letters, digits, ".", "_" or "-"')
      .optional(),
    'tests',
    'unset',
    'a name such as `v6-<what>`: the tests that replay live histories (replay, failing-source, worker-versioning) also record them as fixtures `test/fixtures/histories/<name>-….json`, encrypted with the fixture key. A name, not `1`: worker processes the tests start read it too',
  ),
} as const;

/** The one schema of the environment: unknown variables pass (they are not ours). */
export const settingsSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])) as { [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['schema'] },
);
export type Settings = z.output<typeof settingsSchema>;

/** A setting whose value is wrong: says which variable, what it must be and what it was. */
export class SettingsError extends Error {
  readonly permanent = true;
  constructor(
    readonly variables: string[],
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Never echoed in an error. */
const SECRET_SETTINGS = new Set(['AUDITFLOW_API_TOKEN', 'AUDITFLOW_ENCRYPTION_KEYS', 'AUDITFLOW_SEALING_KEYS', 'AUDITFLOW_OIDC_SIGNING_KEYS']);

// process.env is read often (each fetch reads its response cap): parsed again only when it changed.
const last = new WeakMap<object, { key: string; settings: Settings }>();

/** Reads and checks every AUDITFLOW_* variable of `env`, and the OTEL_* ones above (an empty one counts as unset). */
export function settingsFrom(env: NodeJS.ProcessEnv = process.env): Settings {
  const ours = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => (name.startsWith('AUDITFLOW_') || name in SETTINGS) && value !== undefined && value.trim() !== ''),
  );
  const key = JSON.stringify(ours);
  const seen = last.get(env);
  if (seen?.key === key) return seen.settings;
  const parsed = settingsSchema.safeParse(ours);
  if (!parsed.success) {
    const variables = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return SECRET_SETTINGS.has(name) ? `${name} ${issue.message}` : `${name} ${issue.message}, got "${ours[name]}"`;
    });
    throw new SettingsError(variables, lines.join('; '));
  }
  last.set(env, { key, settings: parsed.data });
  return parsed.data;
}

/** docs/settings.md: generated from SETTINGS so the list and the code cannot drift. */
export function settingsMarkdown(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]) => `| \`${name}\` | ${s.readBy} | ${s.shown} | ${s.doc} |`);
  return [
    '# auditflow settings',
    '',
    '<!-- Generated from lib/settings.ts by `npm run settings-doc`; edit there. -->',
    '',
    "Every `AUDITFLOW_*` environment variable, checked by one schema when a process starts: a wrong value stops it with a message naming the variable. An empty variable counts as unset. How to reach Temporal (address, namespace, TLS, API key) is Temporal's own configuration: see [operations](operations.md#connecting-to-temporal). The `OTEL_*` variables listed are OpenTelemetry's, meaning what its specification says; the SDK reads the others it defines (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`, …) itself: see [operations](operations.md#tracing).",
    '',
    '| variable | read by | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
