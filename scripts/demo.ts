// The demo `npm start` runs (unless AUDITFLOW_DEMO=0): a local Mondoo-compatible sandbox whose audit
// log has a history and keeps growing, a bucket in the GCS emulator (or, with
// AUDITFLOW_DEMO_DESTINATION=s3, in the local S3 server; with azure-blob, a container in Azurite), and
// one integration created through the API like a user would; beside it fake Endor Labs and Cloud Logging
// APIs (scripts/demo-sources.ts), and for each source the request that creates an integration reading its
// sandbox. It lives and dies with the stack.
import path from 'node:path';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { ApiRequestError, createApiHttpClient, type ApiHttpClient } from '../api/http-client';
import type { Integration } from '../api/schemas/integration';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../sandbox/mondoo';
import { startSandboxSources, type SandboxSources } from './demo-sources';

export const DEMO_NAME = 'Demo: Mondoo sandbox to the GCS emulator';
export const DEMO_S3_NAME = 'Demo: Mondoo sandbox to the local S3 server';
export const DEMO_AZURE_NAME = 'Demo: Mondoo sandbox to Azurite';
const DEMO_NAMES = [DEMO_NAME, DEMO_S3_NAME, DEMO_AZURE_NAME];
const DEMO_BUCKET = 'auditflow-demo';
const DEMO_ORG = 'acme-corp-2fjq8x1';
/** A space of the demo's organization, for an integration of your own. */
const SANDBOX_SPACE_MRN = '//captain.api.mondoo.app/spaces/acme-production-4kd9s2';
const HISTORY_EVENTS = 5_000;
const HISTORY_PER_SECOND = 2;

export interface DemoOptions {
  apiUrl: string;
  apiToken: string;
  gcsUrl: string;
  /** The emulator's filesystem root: objects appear as files under it. */
  gcsRoot: string;
  /** A local S3 server (its posix backend under `root`): the demo writes there instead of to GCS. */
  s3?: { url: string; root: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Azurite's blob endpoint of its account (`http://127.0.0.1:<port>/<account>`): the demo writes there, with the account key. */
  azure?: { url: string; accountName: string; accountKey: string };
  /** The Temporal UI's base URL, when there is one. */
  temporalUiUrl?: string;
  namespace: string;
}

export interface Demo {
  integration: Integration;
  /** Where the OCSF files appear: a directory, or Azurite's URL of the prefix (it keeps blobs in its own format). */
  filesDir: string;
  /** The workflow in the Temporal UI. */
  workflowUrl?: string;
  /** The sandbox's GraphQL endpoint and token, for integrations of your own against it. */
  sandbox: { url: string; token: string };
  /** Per source type, a shell command that creates an integration reading its sandbox (needs AUDITFLOW_API_TOKEN). */
  createCommands: Array<{ type: string; command: string }>;
  /** Deletes the demo integration (its sandbox goes away) and stops the sandbox. */
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const api = createApiHttpClient({ baseUrl: options.apiUrl, token: options.apiToken, timeoutMs: 15_000 });
  // A history that ends now, so the first run has a backlog and later runs follow the appender.
  const sandbox = await createFakeMondoo({
    generated: { count: HISTORY_EVENTS, perSecond: HISTORY_PER_SECOND, start: Date.now() - (HISTORY_EVENTS / HISTORY_PER_SECOND) * 1000, seed: 1 },
  });
  let integration: Integration;
  let others: SandboxSources | undefined;
  try {
    others = await startSandboxSources();
    sandbox.startAppender({ everyMs: 2_000, perTick: 2 });
    if (options.s3) await ensureS3Bucket(options.s3, DEMO_BUCKET);
    else if (options.azure) await ensureAzureContainer(options.azure, DEMO_BUCKET);
    else await ensureBucket(options.gcsUrl, DEMO_BUCKET);
    await deleteLeftoverDemos(api);
    integration = await createDemoIntegration(api, sandbox, options);
  } catch (error) {
    await others?.close();
    await sandbox.close();
    throw error;
  }
  const sources = {
    mondoo: { type: 'mondoo', scopeMrn: SANDBOX_SPACE_MRN, endpoint: sandbox.url, token: sandbox.token },
    ...others.sources,
  };
  const { id, workflowId, destination } = integration;
  return {
    integration,
    filesDir: options.azure
      ? `${options.azure.url}/${DEMO_BUCKET}/${destination.prefix}`
      : path.join(options.s3?.root ?? options.gcsRoot, DEMO_BUCKET, destination.prefix),
    workflowUrl:
      options.temporalUiUrl && `${options.temporalUiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    sandbox: { url: sandbox.url, token: sandbox.token },
    createCommands: Object.entries(sources).map(([type, source]) => ({
      type,
      command: createCommand(options.apiUrl, {
        name: `Sandbox ${type}`,
        source,
        destination: demoDestination(options, `${type}/sandbox-${timeSlug()}/`),
        intervalMinutes: 5,
        includeHistorical: true,
      }),
    })),
    async stop() {
      try {
        // Each start has its own prefix, so the claim on this one is released with the integration
        // rather than left running in the dev server (the objects stay).
        await api.request('DELETE', `/v1/integrations/${id}?releaseDestination=true`);
      } catch (error) {
        // Already deleted by hand, or the API is gone: the next start cleans up.
        if (!(error instanceof ApiRequestError)) throw error;
      }
      await Promise.all([sandbox.close(), others.close()]);
    },
  };
}

/** `20261121T065057Z`: prefixes of this start, since a prefix belongs to one integration for good. */
const timeSlug = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** The demo's bucket, in the GCS emulator, the local S3 server or Azurite, under `prefix`. */
function demoDestination(options: DemoOptions, prefix: string): Record<string, unknown> {
  const { s3, azure } = options;
  if (s3) return { type: 's3', bucket: DEMO_BUCKET, region: s3.region, prefix, endpoint: s3.url, forcePathStyle: true, credentials: s3.credentials };
  if (azure) {
    const { accountName, url: endpoint, accountKey } = azure;
    return { type: 'azure-blob', accountName, container: DEMO_BUCKET, prefix, endpoint, credentials: { accountKey } };
  }
  return { type: 'gcs', bucket: DEMO_BUCKET, prefix, endpoint: options.gcsUrl };
}

/** A curl line that creates the integration `body` (JSON in single quotes: none of its strings has one). */
function createCommand(apiUrl: string, body: Record<string, unknown>): string {
  const json = JSON.stringify(body);
  if (json.includes("'")) throw new Error('a sandbox integration body has a single quote');
  return `curl -s -X POST ${apiUrl}/v1/integrations -H "Authorization: Bearer $AUDITFLOW_API_TOKEN" -H 'Content-Type: application/json' -d '${json}'`;
}

/** The integration a user would create, through the API. */
function createDemoIntegration(api: ApiHttpClient, sandbox: FakeMondoo, options: DemoOptions): Promise<Integration> {
  // A fresh prefix per start: every sandbox numbers its events from 1 again.
  return api.request<Integration>('POST', '/v1/integrations', {
    name: options.s3 ? DEMO_S3_NAME : options.azure ? DEMO_AZURE_NAME : DEMO_NAME,
    source: { type: 'mondoo', scopeMrn: orgMrn(DEMO_ORG), endpoint: sandbox.url, token: sandbox.token },
    destination: demoDestination(options, `mondoo/demo-${timeSlug()}/`),
    intervalMinutes: 5,
    includeHistorical: true,
  });
}

async function ensureBucket(gcsUrl: string, name: string): Promise<void> {
  const storage = new Storage({ apiEndpoint: gcsUrl, projectId: 'auditflow-demo' });
  const [exists] = await storage.bucket(name).exists();
  if (!exists) await storage.createBucket(name);
}

async function ensureS3Bucket(s3: NonNullable<DemoOptions['s3']>, name: string): Promise<void> {
  const client = new S3Client({ region: s3.region, endpoint: s3.url, forcePathStyle: true, credentials: { ...s3.credentials } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  } finally {
    client.destroy();
  }
}

async function ensureAzureContainer(azure: NonNullable<DemoOptions['azure']>, name: string): Promise<void> {
  await new ContainerClient(`${azure.url}/${name}`, new StorageSharedKeyCredential(azure.accountName, azure.accountKey)).createIfNotExists();
}

/** A demo integration left by a stack that died without stopping reads a sandbox that is gone. */
async function deleteLeftoverDemos(api: ApiHttpClient): Promise<void> {
  const { integrations } = await api.request<{ integrations: Integration[] }>('GET', '/v1/integrations');
  for (const leftover of integrations.filter((i) => DEMO_NAMES.includes(i.name) && i.status !== 'deleted')) {
    await api.request('DELETE', `/v1/integrations/${leftover.id}?releaseDestination=true`);
  }
}
