// `verify` (issue 17): reads a destination with an auditor's read-only credentials and checks, per
// scope, that the data files tile 1..N, that every manifest's signature verifies against the JWKS,
// that the manifests form one unbroken hash chain, that every file's bytes match their manifest's
// SHA-256, that every line is valid OCSF 1.5.0, and (given the number of exported events) that the
// chain reaches the last one. Files before an integration's first manifest predate the chain: they are
// checked for tiling and OCSF only, and the report says so.
import { createHash } from 'node:crypto';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { ObjectReader } from '../../activities/sinks/sink';
import { validateOcsfEvent } from '../ocsf/validator';
import { DATA_OBJECT, MANIFEST_JWS_TYPE, MANIFEST_OBJECT, OBJECT_METADATA, manifestPayloadSchema, type ManifestPayload } from './format';

export interface VerifyOptions {
  /** The static part of the destination's prefix: every object under it is considered. */
  prefix: string;
  jwks: JSONWebKeySet;
  /** Only the scope(s) whose manifests name this integration. */
  integrationId?: string;
  /** The last exported event's sequence number (from the integration's totals, or given): the chain must reach it. */
  expectThrough?: number;
}

export interface ScopeReport {
  scope: string;
  integrationIds: string[];
  files: number;
  events: number;
  /** The highest sequence number any data file holds. */
  lastSeq: number;
  manifests: number;
  /** The sequence range the signed chain covers; null without a manifest. */
  chain: { firstSeq: number; lastSeq: number } | null;
  /** Files before the chain's first manifest (written before auditflow had the chain): tiling and OCSF checked only. */
  preChain: { files: number; throughSeq: number };
  newestManifestAt: string | null;
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  location: string;
  expectThrough?: number;
  scopes: ScopeReport[];
  /** Objects under the prefix that are neither data files nor manifests (not checked). */
  otherObjects: string[];
  problems: string[];
}

interface DataFile {
  name: string;
  from: number;
  to: number;
}

interface Manifest {
  name: string;
  from: number;
  to: number;
  sha256: string;
  payload?: ManifestPayload;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Metadata as written (`auditflow-sha256`), or with `_` for `-` where a store allows no dash (Azure). */
const metadataValue = (metadata: Record<string, string>, key: string) => metadata[key] ?? metadata[key.replaceAll('-', '_')];
const range = (from: number, to: number) => (from === to ? `event ${from}` : `events ${from}-${to}`);
const MAX_OCSF_ISSUES_PER_FILE = 3;

export async function verifyDestination(reader: ObjectReader, options: VerifyOptions): Promise<VerifyReport> {
  const listed = await reader.list(options.prefix);
  const data = new Map<string, DataFile[]>();
  const manifests = new Map<string, Manifest[]>();
  const otherObjects: string[] = [];
  for (const { name } of listed) {
    const relative = name.slice(options.prefix.length);
    const manifest = MANIFEST_OBJECT.exec(relative);
    const file = manifest ? null : DATA_OBJECT.exec(relative);
    if (manifest?.groups) {
      const { scope, from, to } = manifest.groups;
      push(manifests, scope!, { name, from: Number(from), to: Number(to), sha256: '' });
    } else if (file?.groups) {
      const { scope, from, to } = file.groups;
      push(data, scope!, { name, from: Number(from), to: Number(to) });
    } else {
      otherObjects.push(name);
    }
  }
  const keys = createLocalJWKSet(options.jwks);
  const scopes: ScopeReport[] = [];
  for (const scope of [...new Set([...data.keys(), ...manifests.keys()])].sort()) {
    const report = await verifyScope(reader, scope, data.get(scope) ?? [], manifests.get(scope) ?? [], keys, options);
    if (options.integrationId && !report.integrationIds.includes(options.integrationId)) continue;
    scopes.push(report);
  }
  const problems = scopes.flatMap((s) => s.problems.map((p) => `${s.scope}: ${p}`));
  if (scopes.length === 0) {
    problems.push(
      options.integrationId
        ? `no manifest of integration ${options.integrationId} under ${reader.urlOf(options.prefix)}`
        : `no audit log files under ${reader.urlOf(options.prefix)}`,
    );
  }
  return { ok: problems.length === 0, location: reader.urlOf(options.prefix), expectThrough: options.expectThrough, scopes, otherObjects, problems };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function verifyScope(
  reader: ObjectReader,
  scope: string,
  files: DataFile[],
  manifests: Manifest[],
  keys: ReturnType<typeof createLocalJWKSet>,
  options: VerifyOptions,
): Promise<ScopeReport> {
  const problems: string[] = [];
  files.sort((a, b) => a.from - b.from || a.to - b.to);
  manifests.sort((a, b) => a.from - b.from || a.to - b.to);

  // 1. Tiling: the names alone must cover 1..N without gap or overlap.
  let next = 1;
  for (const file of files) {
    if (file.to < file.from) problems.push(`${file.name}: its range ends before it starts`);
    else if (file.from > next) problems.push(`${range(next, file.from - 1)} missing: no file holds them (before ${file.name})`);
    else if (file.from < next) problems.push(`${file.name} overlaps ${range(file.from, Math.min(file.to, next - 1))}, already held by an earlier file`);
    next = Math.max(next, file.to + 1);
  }
  const lastSeq = next - 1;

  // 2. Manifests: signature, payload, then the chain of hashes.
  const integrationIds = new Set<string>();
  let newestManifestAt: string | null = null;
  for (const manifest of manifests) {
    const { body } = await reader.read(manifest.name);
    manifest.sha256 = sha256(body);
    let payload: unknown;
    try {
      const verified = await compactVerify(body.toString('utf8'), keys, { algorithms: ['RS256'] });
      if (verified.protectedHeader.typ !== MANIFEST_JWS_TYPE)
        throw new Error(`its type is "${String(verified.protectedHeader.typ)}", not ${MANIFEST_JWS_TYPE}`);
      payload = JSON.parse(new TextDecoder().decode(verified.payload));
    } catch (error) {
      problems.push(`manifest ${manifest.name}: signature does not verify against the JWKS (${signatureProblem(body, error)})`);
      continue;
    }
    const parsed = manifestPayloadSchema.safeParse(payload);
    if (!parsed.success) {
      problems.push(`manifest ${manifest.name}: signed, but not a manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
      continue;
    }
    const p = parsed.data;
    if (p.firstSeq !== manifest.from || p.lastSeq !== manifest.to || p.source.scope !== scope) {
      problems.push(`manifest ${manifest.name}: its content covers ${p.source.scope} ${range(p.firstSeq, p.lastSeq)}, not what its name says`);
      continue;
    }
    manifest.payload = p;
    integrationIds.add(p.integrationId);
    if (!newestManifestAt || p.createdAt > newestManifestAt) newestManifestAt = p.createdAt;
  }
  const signed = manifests.filter((m) => m.payload);
  const chainStart = signed.find((m) => m.payload!.previous === null);
  let previous: Manifest | undefined;
  for (const manifest of signed) {
    const link = manifest.payload!.previous;
    if (!previous) {
      if (link !== null) problems.push(`chain broken before ${manifest.name}: it follows ${link.name}, which is missing or not validly signed`);
    } else if (link === null) {
      problems.push(`chain broken: ${manifest.name} starts a new chain after ${previous.name}`);
    } else if (link.name !== previous.name) {
      problems.push(`chain broken: ${manifest.name} follows ${link.name}, but the manifest before it is ${previous.name}`);
    } else if (link.sha256 !== previous.sha256) {
      problems.push(
        `chain broken: ${manifest.name} says ${previous.name} has SHA-256 ${link.sha256}, but its bytes hash to ${previous.sha256} (the manifest was replaced)`,
      );
    } else if (manifest.from !== previous.to + 1) {
      problems.push(`chain broken: ${manifest.name} starts at ${manifest.from}, ${previous.name} ended at ${previous.to}`);
    }
    previous = manifest;
  }
  const chain = signed.length > 0 ? { firstSeq: signed[0]!.from, lastSeq: signed.at(-1)!.to } : null;
  if (manifests.length === 0) {
    problems.push(
      'no manifest: nothing here is signed. Files written before auditflow had the evidence chain have none; an integration created before it starts its chain with its next export',
    );
  }

  // 3. Files against manifests: every file after the chain's start is listed, with its hash.
  const byName = new Map(files.map((f) => [f.name, f]));
  const listedIn = new Map<string, string>();
  for (const manifest of signed) {
    for (const object of manifest.payload!.objects) {
      listedIn.set(object.name, manifest.name);
      if (!byName.has(object.name)) {
        problems.push(`${object.name} (${range(object.firstSeq, object.lastSeq)}) is missing: manifest ${manifest.name} lists it`);
      }
    }
  }
  const preChainThrough = chainStart ? chainStart.from - 1 : 0;
  let preChainFiles = 0;
  let events = 0;
  for (const file of files) {
    const { body, metadata } = await reader.read(file.name);
    const manifestName = listedIn.get(file.name);
    const listed = manifestName ? signed.find((m) => m.name === manifestName)!.payload!.objects.find((o) => o.name === file.name)! : undefined;
    const actual = sha256(body);
    const stored = metadataValue(metadata, OBJECT_METADATA.sha256);
    if (listed) {
      if (listed.sha256 !== actual) problems.push(`${file.name}: its bytes changed: SHA-256 ${actual}, manifest ${manifestName} says ${listed.sha256}`);
    } else if (file.to <= preChainThrough && stored === undefined) {
      preChainFiles++;
    } else if (chain) {
      problems.push(`${file.name} (${range(file.from, file.to)}) is not listed in any manifest: it was added outside the export's sequence`);
    }
    if (stored !== undefined && stored !== actual) problems.push(`${file.name}: its metadata says SHA-256 ${stored}, its bytes hash to ${actual}`);
    events += checkLines(file, body, problems);
  }

  // 4. The tail: against the number of exported events, when known.
  const expect = options.expectThrough;
  if (expect !== undefined) {
    const reached = chain?.lastSeq ?? preChainThrough;
    if (reached < expect) {
      problems.push(
        `the evidence ends at event ${reached}, but ${expect} were exported: the files and manifests after it were deleted (or an export is writing them now)`,
      );
    }
  }
  return {
    scope,
    integrationIds: [...integrationIds],
    files: files.length,
    events,
    lastSeq,
    manifests: manifests.length,
    chain,
    preChain: { files: preChainFiles, throughSeq: preChainThrough },
    newestManifestAt,
    problems,
  };
}

/** Counts and validates the JSON lines of one file; returns the number of lines. */
function checkLines(file: DataFile, body: Buffer, problems: string[]): number {
  const lines = body.toString('utf8').split('\n').filter(Boolean);
  if (lines.length !== file.to - file.from + 1) problems.push(`${file.name}: holds ${lines.length} lines, its name says ${file.to - file.from + 1}`);
  let reported = 0;
  for (const [index, line] of lines.entries()) {
    let issues: Array<{ path: string; message: string }>;
    try {
      issues = validateOcsfEvent(JSON.parse(line) as Record<string, unknown>);
    } catch {
      issues = [{ path: '', message: 'not JSON' }];
    }
    if (issues.length > 0 && reported++ < MAX_OCSF_ISSUES_PER_FILE) {
      problems.push(
        `${file.name} line ${index + 1} (event ${file.from + index}) is not valid OCSF 1.5.0: ${issues[0]!.path || '(event)'}: ${issues[0]!.message}`,
      );
    }
  }
  return lines.length;
}

/** Why a manifest's signature failed, naming the key it claims. */
function signatureProblem(body: Buffer, error: unknown): string {
  let kid: string | undefined;
  try {
    kid = (JSON.parse(Buffer.from(body.toString('utf8').split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: string }).kid;
  } catch {
    return 'not a compact JWS';
  }
  const code = (error as { code?: string }).code;
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return `key "${kid}" is not in the JWKS: signed by another key`;
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return `the signature of key "${kid}" does not match its content`;
  return (error as Error).message;
}
