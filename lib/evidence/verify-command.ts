// `npm run ctl -- verify` / `scripts/auditflow verify`: the auditor's command. Reads the destination
// (a JSON file with the auditor's own read-only credentials), the JWKS (a file, a URL, or the issuer's
// /.well-known/jwks.json), optionally the integration's totals from the API, and prints a summary (or
// --json). Exit 0 only when every check holds.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { destinationConfigSchema, sinkConnector } from '../../activities/sinks/registry';
import { createApiHttpClient, DEFAULT_API_URL } from '../../api/http-client';
import { verifyDestination, type VerifyReport } from './verify';

export const VERIFY_USAGE = `usage: scripts/auditflow verify --destination destination.json [--jwks jwks.json|URL]
                              [--integration ID | --expect-through SEQ] [--json]

  --destination FILE   the destination as an integration names it ({"type": "gcs", "bucket": …, "prefix": …}),
                       with the auditor's read-only credentials (GCS: roles/storage.objectViewer; S3:
                       s3:ListBucket and s3:GetObject on the prefix); without credentials, the ambient ones
  --jwks FILE|URL      the exporter's public keys; default: $AUDITFLOW_PUBLIC_URL/.well-known/jwks.json
                       (else $AUDITFLOW_API_URL's)
  --integration ID     check that the chain reaches the integration's last exported event (its totals,
                       read from the API at AUDITFLOW_API_URL with AUDITFLOW_API_TOKEN)
  --expect-through SEQ the same against a number you know (e.g. from an earlier verify)
  --json               the full report as JSON instead of the summary

exit status: 0 every check holds, 1 a check failed, 2 bad usage or unreadable input`;

export const EXIT_VERIFY_FAILED = 1;
export const EXIT_VERIFY_USAGE = 2;

const jwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) });

class VerifyUsageError extends Error {}

/** npm and scripts/auditflow run us in the clone's root; a relative FILE means the caller's directory. */
const callerPath = (file: string, env: NodeJS.ProcessEnv) => path.resolve(env.AUDITFLOW_CALLER_DIR || env.INIT_CWD || process.cwd(), file);

function readJson(file: string, what: string, env: NodeJS.ProcessEnv): unknown {
  let text: string;
  try {
    text = readFileSync(callerPath(file, env), 'utf8');
  } catch (error) {
    throw new VerifyUsageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new VerifyUsageError(`${what} ${file} is not JSON`);
  }
}

async function loadJwks(source: string | undefined, env: NodeJS.ProcessEnv): Promise<JSONWebKeySet> {
  const url = source ?? `${(env.AUDITFLOW_PUBLIC_URL || env.AUDITFLOW_API_URL || DEFAULT_API_URL).replace(/\/+$/, '')}/.well-known/jwks.json`;
  let json: unknown;
  if (/^https?:\/\//.test(url)) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      json = await response.json();
    } catch (error) {
      throw new VerifyUsageError(`cannot read the JWKS at ${url}: ${(error as Error).message}. Pass --jwks with the exporter's published keys.`);
    }
  } else {
    json = readJson(url, 'JWKS', env);
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success) throw new VerifyUsageError(`the JWKS ${url} is not a JSON Web Key Set ({"keys": [...]})`);
  return parsed.data as JSONWebKeySet;
}

/** The last exported event's sequence number: the integration's totals, from the API. */
async function exportedThrough(integrationId: string, env: NodeJS.ProcessEnv): Promise<number> {
  const token = (env.AUDITFLOW_API_TOKEN ?? '').split(',')[0]?.trim();
  if (!token) throw new VerifyUsageError('--integration needs AUDITFLOW_API_TOKEN (and AUDITFLOW_API_URL) to read its totals');
  const api = createApiHttpClient({ baseUrl: env.AUDITFLOW_API_URL, token });
  const detail = await api.request<{ totals?: { events: number } }>('GET', `/v1/integrations/${encodeURIComponent(integrationId)}`);
  if (!detail.totals)
    throw new VerifyUsageError(`the API gave no totals for ${integrationId} (no worker answered its status): retry, or pass --expect-through`);
  return detail.totals.events;
}

export async function verifyCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        destination: { type: 'string' },
        jwks: { type: 'string' },
        integration: { type: 'string' },
        'expect-through': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`verify: ${(error as Error).message}\n\n${VERIFY_USAGE}`);
    return EXIT_VERIFY_USAGE;
  }
  if (values.help) {
    console.log(VERIFY_USAGE);
    return 0;
  }
  let report: VerifyReport;
  try {
    if (!values.destination) throw new VerifyUsageError('--destination is required');
    if (values.integration && values['expect-through']) throw new VerifyUsageError('give --integration or --expect-through, not both');
    const expectText = values['expect-through'];
    if (expectText !== undefined && !/^\d+$/.test(expectText)) throw new VerifyUsageError('--expect-through must be a sequence number (0 or more)');
    const parsed = destinationConfigSchema.safeParse(readJson(values.destination, 'destination', env));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new VerifyUsageError(`destination ${values.destination}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    const destination = parsed.data;
    const jwks = await loadJwks(values.jwks, env);
    const expectThrough = values.integration ? await exportedThrough(values.integration, env) : expectText !== undefined ? Number(expectText) : undefined;
    // Each GCS download's body stacks one listener per client layer, one past Node's default warning limit.
    EventEmitter.defaultMaxListeners = Math.max(EventEmitter.defaultMaxListeners, 20);
    const reader = sinkConnector(destination.type).openReader(destination);
    report = await verifyDestination(reader, {
      // A prefix with date placeholders (%Y…) is verified from its static start.
      prefix: destination.prefix.split('%')[0]!,
      jwks,
      integrationId: values.integration,
      expectThrough,
    });
  } catch (error) {
    console.error(`verify: ${(error as Error).message}`);
    return error instanceof VerifyUsageError ? EXIT_VERIFY_USAGE : EXIT_VERIFY_FAILED;
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : summary(report));
  return report.ok ? 0 : EXIT_VERIFY_FAILED;
}

/** The human summary: one block per scope, then every problem, then the verdict. */
export function summary(report: VerifyReport): string {
  const lines = [`verify ${report.location}`];
  for (const scope of report.scopes) {
    lines.push(`  ${scope.scope}${scope.integrationIds.length ? ` (integration ${scope.integrationIds.join(', ')})` : ''}`);
    lines.push(`    files:      ${scope.files}, events 1-${scope.lastSeq}, ${scope.events} lines checked against OCSF 1.5.0`);
    lines.push(
      scope.chain
        ? `    manifests:  ${scope.manifests}, signed chain over events ${scope.chain.firstSeq}-${scope.chain.lastSeq}, newest written ${scope.newestManifestAt}`
        : `    manifests:  ${scope.manifests}`,
    );
    if (scope.preChain.files > 0) {
      lines.push(
        `    before the chain: ${scope.preChain.files} file(s), events 1-${scope.preChain.throughSeq}: tiling and OCSF checked, not covered by a signature`,
      );
    }
  }
  if (report.expectThrough !== undefined) lines.push(`  expected through event ${report.expectThrough}`);
  if (report.otherObjects.length > 0)
    lines.push(`  ${report.otherObjects.length} other object(s) under the prefix, not checked: ${report.otherObjects.slice(0, 3).join(', ')}`);
  for (const problem of report.problems) lines.push(`  FAIL ${problem}`);
  lines.push(report.ok ? 'OK: every check holds' : `FAILED: ${report.problems.length} problem(s)`);
  return lines.join('\n');
}
