// One store's local emulator for the chaos run and the upload benchmark, started by the same code as the
// tests and `npm start` (lib/local-infra.ts): fake-gcs-server, versitygw (S3) or Azurite (Azure Blob),
// with a fresh bucket or container, the destination config auditflow writes it with, and the store's own
// SDK client for a plain upload (what the benchmark compares auditflow's upload with).
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { freePort } from '../lib/child-process';
import { S3_SERVER_REGION, startAzurite, startGcsEmulator, startS3Server } from '../lib/local-infra';
import { sinkConnector, type RegisteredDestinationConfig } from '../activities/sinks/registry';
import type { ObjectReader } from '../activities/sinks/sink';
import { downloadObjectBytes } from '../sandbox/gcs-media';

export const STORE_TYPES = ['gcs', 's3', 'azure-blob'] as const;
export type StoreType = (typeof STORE_TYPES)[number];

export interface StoreEmulator {
  type: StoreType;
  /** Bucket or container (fresh). */
  bucket: string;
  /** Where the emulator listens (for a proxy in front of it: its origin is `new URL(url).origin`). */
  url: string;
  /** The destination writing to `prefix`, through `endpoint` (default: straight to the emulator). */
  destination(prefix: string, endpoint?: string): RegisteredDestinationConfig;
  /** The endpoint a proxy at `proxyUrl` stands for (Azure's names the account in its path). */
  endpointVia(proxyUrl: string): string;
  /**
   * Reads the bucket straight from the emulator: the connector's reader (`verify`'s), except that GCS
   * objects come by the plain media download (sandbox/gcs-media.ts: no listener warnings per object).
   */
  reader: ObjectReader;
  /** A plain upload with the store's own SDK: no precondition, no checksum of ours, no retry of ours. */
  sdkPut(name: string, body: Buffer, contentType: string, metadata: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface StoreEmulatorOptions {
  /** Emulator data and logs. */
  dataDir: string;
  /** GCS only: a running emulator to use (the tests'); otherwise one is started. */
  gcsEndpoint?: string;
}

export async function startStoreEmulator(type: StoreType, options: StoreEmulatorOptions): Promise<StoreEmulator> {
  if (type === 'gcs') return gcs(options);
  if (type === 's3') return s3(options);
  return azureBlob(options);
}

const freshName = () => `bench-${randomUUID().slice(0, 18)}`;

async function gcs(options: StoreEmulatorOptions): Promise<StoreEmulator> {
  let url = options.gcsEndpoint;
  let stop = async () => {};
  if (!url) {
    const emulator = await startGcsEmulator({ port: await freePort(), logFile: path.join(options.dataDir, 'gcs.log') });
    url = emulator.url;
    stop = () => emulator.process.stop();
  }
  const storage = new Storage({ apiEndpoint: url, projectId: 'auditflow-bench' });
  const bucket = freshName();
  await storage.createBucket(bucket);
  const reader = sinkConnector('gcs').openReader({ type: 'gcs', bucket, prefix: '', endpoint: url });
  const endpoint = url;
  return {
    type: 'gcs',
    bucket,
    url,
    reader: {
      ...reader,
      async read(name) {
        const [body, [meta]] = await Promise.all([downloadObjectBytes(endpoint, bucket, name), storage.bucket(bucket).file(name).getMetadata()]);
        const metadata: Record<string, string> = {};
        for (const [key, value] of Object.entries(meta.metadata ?? {})) if (typeof value === 'string') metadata[key] = value;
        return { body, metadata };
      },
    },
    destination: (prefix, endpoint = url) => ({ type: 'gcs', bucket, prefix, endpoint }),
    endpointVia: (proxyUrl) => proxyUrl,
    async sdkPut(name, body, contentType, metadata) {
      await storage.bucket(bucket).file(name).save(body, { resumable: false, validation: false, contentType, metadata: { metadata } });
    },
    close: stop,
  };
}

async function s3(options: StoreEmulatorOptions): Promise<StoreEmulator> {
  // The gateway's root user, for this run only; its keys reach workers in the (encrypted) workflow input.
  const credentials = { accessKeyId: 'auditflow-bench', secretAccessKey: randomBytes(24).toString('base64url') };
  const root = path.join(options.dataDir, 's3');
  const server = await startS3Server({
    port: await freePort(),
    root: path.join(root, 'data'),
    iamDir: path.join(root, 'iam'),
    ...credentials,
    logFile: path.join(options.dataDir, 's3.log'),
  });
  // A copy of the keys: the SDK marks the object it is given.
  const client = new S3Client({ region: S3_SERVER_REGION, endpoint: server.url, forcePathStyle: true, credentials: { ...credentials } });
  const bucket = freshName();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    await server.process.stop();
    throw error;
  }
  const destination = (prefix: string, endpoint = server.url): RegisteredDestinationConfig => ({
    type: 's3',
    bucket,
    region: S3_SERVER_REGION,
    prefix,
    endpoint,
    forcePathStyle: true,
    credentials: { ...credentials },
  });
  return {
    type: 's3',
    bucket,
    url: server.url,
    destination,
    reader: sinkConnector('s3').openReader(destination('')),
    endpointVia: (proxyUrl) => proxyUrl,
    async sdkPut(name, body, contentType, metadata) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: body, ContentType: contentType, Metadata: metadata }));
    },
    async close() {
      client.destroy();
      await server.process.stop();
    },
  };
}

async function azureBlob(options: StoreEmulatorOptions): Promise<StoreEmulator> {
  const account = { accountName: 'auditflowbench', accountKey: randomBytes(64).toString('base64') };
  // Blobs on disk under the data dir: a full-size chaos run writes more than Azurite's in-memory bound.
  const azurite = await startAzurite({
    port: await freePort(),
    ...account,
    location: path.join(options.dataDir, 'azurite'),
    logFile: path.join(options.dataDir, 'azurite.log'),
  });
  const container = freshName();
  const containerClient = new BlobServiceClient(azurite.url, new StorageSharedKeyCredential(account.accountName, account.accountKey)).getContainerClient(
    container,
  );
  try {
    await containerClient.create();
  } catch (error) {
    await azurite.process.stop();
    throw error;
  }
  const destination = (prefix: string, endpoint = azurite.url): RegisteredDestinationConfig => ({
    type: 'azure-blob',
    accountName: account.accountName,
    container,
    prefix,
    endpoint,
    credentials: { accountKey: account.accountKey },
  });
  return {
    type: 'azure-blob',
    bucket: container,
    url: azurite.url,
    destination,
    reader: sinkConnector('azure-blob').openReader(destination('')),
    // Shared Key signs the path and headers, not the host: requests through a proxy still verify.
    endpointVia: (proxyUrl) => `${proxyUrl}/${account.accountName}`,
    async sdkPut(name, body, contentType, metadata) {
      // Azure metadata names are C# identifiers: `_` for `-`, as auditflow writes them.
      const azureMetadata = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key.replace(/-/g, '_'), value]));
      await containerClient.getBlockBlobClient(name).upload(body, body.length, { blobHTTPHeaders: { blobContentType: contentType }, metadata: azureMetadata });
    },
    close: () => azurite.process.stop(),
  };
}
