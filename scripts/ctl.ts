// `scripts/auditflow ctl <command>` (or `npm run --silent ctl -- <command>`): a small client of the auditflow HTTP API. Prints the API's JSON on
// success; on failure prints the API's error message and exits non-zero.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiRequestError, createApiHttpClient } from '../api/http-client';
import { verifyCommand } from '../lib/evidence/verify-command';
import { settingsFrom } from '../lib/settings';

const USAGE = `usage: scripts/auditflow ctl <command>

  create FILE.json        create an integration from a JSON file ("-" reads standard input); the file
                          may give "schedule" instead of "intervalMinutes", and "filters" (see README)
  list [--status STATUS] [--source-type TYPE] [--limit N] [--page-token TOKEN]
                          list integrations, newest first, N a page (default 100); STATUS is active,
                          paused, error or deleted; TYPE mondoo, endorlabs or gcp-audit-logs; TOKEN the
                          nextPageToken of the previous page
  get ID                  an integration and its export status
  pause ID                stop exporting until resumed
  resume ID               export again
  run ID                  export now instead of at the next interval
  delete ID               stop all future exports for good (exported objects stay)
  test FILE.json          test the source and destination of an integration (or export) file: one
                          read of at most one event, one create-only probe object; exits 1 if either fails
  exports create FILE.json                    start a one-time export {name, source, destination, from, to}
  exports list [--status S] [--limit N] [--page-token T]
                                              one-time exports, newest first; S is running, completed, failed or cancelled
  exports get ID                              an export's status and progress
  exports cancel ID                           stop a running export (objects written stay)
  verify --destination FILE [--jwks FILE|URL] [--integration ID | --expect-through SEQ] [--json]
                          check the signed evidence in a destination (verify --help)

environment:
  AUDITFLOW_API_URL    the API (default http://127.0.0.1:8080)
  AUDITFLOW_API_TOKEN  a bearer token (of a comma-separated list, the first is sent)`;

/** npm and scripts/auditflow run us in the clone's root; a relative FILE means the caller's directory. */
const callerPath = (file: string) => path.resolve(settingsFrom().AUDITFLOW_CALLER_DIR || process.env.INIT_CWD || process.cwd(), file);

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface Request {
  method: string;
  path: string;
  body?: string;
  /** A connection test: exits 1 when a part is not ok. */
  test?: boolean;
}

function readJsonFile(file: string): unknown {
  const text = readFileSync(file === '-' ? 0 : callerPath(file), 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
}

/** The connection test takes the source and destination of an integration's or export's create body. */
function connectionTestBodyOf(file: unknown): { source?: unknown; destination?: unknown } {
  if (typeof file !== 'object' || file === null) throw new UsageError('the file must hold a JSON object with source and/or destination');
  const { source, destination } = file as { source?: unknown; destination?: unknown };
  return { ...(source === undefined ? {} : { source }), ...(destination === undefined ? {} : { destination }) };
}

function exportsRequestFor(positionals: string[], values: { status?: string; limit?: string; 'page-token'?: string }): Request {
  const [command, argument, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const listing = values.status !== undefined || values.limit !== undefined || values['page-token'] !== undefined;
  if (listing && command !== 'list') throw new UsageError('--status, --limit and --page-token go with exports list');
  const id = () => {
    if (!argument) throw new UsageError(`exports ${command} needs an export id`);
    return encodeURIComponent(argument);
  };
  switch (command) {
    case 'create':
      if (!argument) throw new UsageError('exports create needs a JSON file (or - for standard input)');
      return { method: 'POST', path: '/v1/exports', body: readFileSync(argument === '-' ? 0 : callerPath(argument), 'utf8') };
    case 'list': {
      if (argument) throw new UsageError('exports list takes no id');
      const query = new URLSearchParams();
      if (values.status !== undefined) query.set('status', values.status);
      if (values.limit !== undefined) query.set('limit', values.limit);
      if (values['page-token'] !== undefined) query.set('pageToken', values['page-token']);
      return { method: 'GET', path: `/v1/exports${query.size > 0 ? `?${query}` : ''}` };
    }
    case 'get':
      return { method: 'GET', path: `/v1/exports/${id()}` };
    case 'cancel':
      return { method: 'DELETE', path: `/v1/exports/${id()}` };
    default:
      throw new UsageError(command ? `unknown exports command "${command}"` : 'exports needs a command: create, list, get or cancel');
  }
}

function requestFor(args: string[]): Request {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { status: { type: 'string' }, 'source-type': { type: 'string' }, limit: { type: 'string' }, 'page-token': { type: 'string' } },
  });
  if (positionals[0] === 'exports') return exportsRequestFor(positionals.slice(1), values);
  const [command, argument, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  // The API's names for the list options; it validates the values (and names the one it refuses).
  const listQuery = new URLSearchParams(
    Object.entries({ status: values.status, sourceType: values['source-type'], limit: values.limit, pageToken: values['page-token'] }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  if (listQuery.size > 0 && command !== 'list') throw new UsageError('--status, --source-type, --limit and --page-token go with list');
  const id = () => {
    if (!argument) throw new UsageError(`${command} needs an integration id`);
    return encodeURIComponent(argument);
  };
  switch (command) {
    case 'create': {
      if (!argument) throw new UsageError('create needs a JSON file (or - for standard input)');
      return { method: 'POST', path: '/v1/integrations', body: readFileSync(argument === '-' ? 0 : callerPath(argument), 'utf8') };
    }
    case 'list':
      if (argument) throw new UsageError('list takes no id; filter with --status or --source-type');
      return { method: 'GET', path: `/v1/integrations${listQuery.size > 0 ? `?${listQuery}` : ''}` };
    case 'get':
      return { method: 'GET', path: `/v1/integrations/${id()}` };
    case 'pause':
    case 'resume':
    case 'run':
      return { method: 'POST', path: `/v1/integrations/${id()}/${command}` };
    case 'delete':
      return { method: 'DELETE', path: `/v1/integrations/${id()}` };
    case 'test': {
      if (!argument) throw new UsageError('test needs a JSON file (or - for standard input)');
      return { method: 'POST', path: '/v1/connection-tests', body: JSON.stringify(connectionTestBodyOf(readJsonFile(argument))), test: true };
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  }
}

async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args[0] === 'verify') return verifyCommand(args.slice(1), env);
  let request: Request;
  try {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    request = requestFor(args);
  } catch (error) {
    console.error(`ctl: ${(error as Error).message}\n\n${USAGE}`);
    return error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? EXIT_USAGE : EXIT_FAILED;
  }
  const settings = settingsFrom(env);
  const token = settings.AUDITFLOW_API_TOKEN?.[0];
  if (!token) {
    console.error('ctl: AUDITFLOW_API_TOKEN is not set (scripts/auditflow start prints the token)');
    return EXIT_USAGE;
  }
  const api = createApiHttpClient({ baseUrl: settings.AUDITFLOW_API_URL, token });
  try {
    const answer = await api.request(request.method, request.path, request.body);
    console.log(JSON.stringify(answer, null, 2));
    if (request.test) {
      const parts = Object.values(answer as Record<string, { ok: boolean }>);
      return parts.every((part) => part.ok) ? 0 : EXIT_FAILED;
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ApiRequestError)) throw error;
    const status = error.status ? ` (HTTP ${error.status}${error.code ? `, ${error.code}` : ''})` : '. Is it running (scripts/auditflow start)?';
    console.error(`ctl: ${error.message}${status}`);
    for (const detail of error.details) console.error(`  ${detail.path || '(body)'}: ${detail.message}`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
