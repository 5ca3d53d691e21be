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
}

function requestFor(args: string[]): Request {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { status: { type: 'string' }, 'source-type': { type: 'string' }, limit: { type: 'string' }, 'page-token': { type: 'string' } },
  });
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
    console.log(JSON.stringify(await api.request(request.method, request.path, request.body), null, 2));
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
