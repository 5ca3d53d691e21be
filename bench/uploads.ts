// Upload time per batch, for each destination against its emulator: auditflow's upload (the upload
// activity's body: create-only writes with a checksum, integrity metadata, the signed manifest) beside a
// plain upload of the same bytes with the store's own SDK, in the same run. Batches are the workflow's
// default: 3,000 mapped Mondoo events in three objects of 1,000, plus the batch's manifest. The two
// alternate batch by batch, so drift on a shared machine hits both alike; the ratio is what to compare.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { compressEvents } from '../activities/compression';
import { mapToOcsfFiles } from '../activities/map';
import { JSONL_CONTENT_TYPE } from '../activities/sinks/object-format';
import { sinkConnector } from '../activities/sinks/registry';
import type { ObjectStore, ObjectWriteOptions } from '../activities/sinks/sink';
import { DedupeKeyer } from '../activities/sources/dedupe-keyer';
import { nodeHash } from '../activities/sources/mondoo/dedupe-key';
import type { SourceEvent } from '../activities/sources/mondoo/types';
import { uploadObjects, type ManifestSigner } from '../activities/upload';
import type { ManifestRef } from '../contracts/evidence';
import { MANIFEST_CONTENT_TYPE } from '../lib/evidence/format';
import { repoRoot } from '../lib/temporal-config';
import { generateOidcSigningJwk, parseOidcSigningKeys } from '../lib/wif-keys';
import { orgMrn } from '../sandbox/mondoo';
import { GeneratedSequence } from '../sandbox/mondoo/generate';
import { Topology } from '../sandbox/mondoo/topology';
import { DEFAULT_LIMITS } from '../workflows/definitions';
import { manifestName, objectName } from '../workflows/object-names';
import { median } from './process-stats';
import { startStoreEmulator, STORE_TYPES, type StoreType } from './store-emulators';

export interface UploadTimes {
  type: StoreType;
  /** auditflow's upload of a batch, milliseconds. */
  auditflowMedianMs: number;
  auditflowP90Ms: number;
  /** Of auditflow's time, the median spent in the store's calls (the rest: decompressing, hashing, signing). */
  auditflowStoreCallsMedianMs: number;
  /** The store's SDK putting the same objects (same bytes, content type and metadata), milliseconds. */
  sdkMedianMs: number;
  sdkP90Ms: number;
  /** auditflow median ÷ SDK median. */
  ratio: number;
}

export interface UploadBenchResult {
  batches: number;
  /** Per batch: the data objects (the manifest comes on top), their events and the bytes of all four. */
  objectsPerBatch: number;
  eventsPerBatch: number;
  bytesPerBatch: number;
  destinations: UploadTimes[];
}

const ORG = 'bench-uploads-1';
const PREFIX = 'mondoo/';
const round = (x: number) => Math.round(x * 10) / 10;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.9))]!;

/** One batch's mapped objects, as the map activity hands them to the upload (zstd, base64). */
function mappedBatch(events: number) {
  const topology = new Topology([{ id: ORG, spaces: [] }]);
  const sequence = new GeneratedSequence({ count: events, seed: 11, start: '2024-01-01T00:00:00Z' }, topology.leaves);
  const keyer = new DedupeKeyer(nodeHash);
  const source: SourceEvent[] = [];
  for (let i = 0; i < events; i++) {
    const node = sequence.nodeAt(i);
    source.push({ key: keyer.keyFor(node), node });
  }
  return mapToOcsfFiles({
    ...compressEvents(source),
    scopeMrn: orgMrn(ORG),
    maxEventsPerFile: DEFAULT_LIMITS.maxEventsPerFile,
    maxBytesPerFile: DEFAULT_LIMITS.maxBytesPerFile,
    output: 'zstd-base64',
  }).files;
}

export async function runUploadBench(options: {
  batches: number;
  /** Events per batch (default: the workflow's maxEventsPerBatch, 3,000). */
  eventsPerBatch?: number;
  destinations?: readonly StoreType[];
  /** A running GCS emulator (the tests'); otherwise one is started. */
  gcsEndpoint?: string;
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<UploadBenchResult> {
  const say = options.log ?? (() => {});
  const eventsPerBatch = options.eventsPerBatch ?? DEFAULT_LIMITS.maxEventsPerBatch ?? 3_000;
  const dataDir = options.dataDir ?? path.join(repoRoot, '.auditflow', 'bench-logs', 'uploads');
  mkdirSync(dataDir, { recursive: true });
  const files = mappedBatch(eventsPerBatch);
  const key = parseOidcSigningKeys(JSON.stringify([generateOidcSigningJwk('bench')]))[0]!;
  const signer: ManifestSigner = { issuer: 'https://auditflow.bench.invalid', keys: { signing: key, all: [key] } };
  const scopeSlug = `org-${ORG}`;
  let bytesPerBatch = 0;
  const destinations: UploadTimes[] = [];
  for (const type of options.destinations ?? STORE_TYPES) {
    say(`uploads: ${type}, ${options.batches} batches of ${eventsPerBatch} events`);
    const emulator = await startStoreEmulator(type, { dataDir, gcsEndpoint: type === 'gcs' ? options.gcsEndpoint : undefined });
    try {
      const destination = emulator.destination(PREFIX);
      const opened = sinkConnector(type).open(destination);
      let inStoreMs = 0;
      const timed =
        <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          const began = performance.now();
          try {
            return await call(...args);
          } finally {
            inStoreMs += performance.now() - began;
          }
        };
      const store: ObjectStore = {
        urlOf: (name) => opened.urlOf(name),
        createOnly: timed((name: string, body: Buffer, writeOptions?: ObjectWriteOptions) => opened.createOnly(name, body, writeOptions)),
        holdsSameBytes: timed((name: string, body: Buffer) => opened.holdsSameBytes(name, body)),
      };
      const { reader } = emulator;
      const auditflowMs: number[] = [];
      const storeCallsMs: number[] = [];
      const sdkMs: number[] = [];
      let previous: ManifestRef | null = null;
      // One batch more than measured: the first (connections, the SDKs' lazy loading) is not counted.
      for (let batch = 0; batch <= options.batches; batch++) {
        const firstSeq = batch * eventsPerBatch + 1;
        let seq = firstSeq;
        const objects = files.map((file) => {
          const name = objectName(PREFIX, scopeSlug, seq, seq + file.events - 1);
          seq += file.events;
          return { ...file, name };
        });
        const evidence = {
          integrationId: 'bench-uploads',
          sourceType: 'mondoo',
          scopeSlug,
          scopeId: orgMrn(ORG),
          firstSeq,
          manifestName: manifestName(PREFIX, scopeSlug, firstSeq, seq - 1),
          previous,
          createdAt: new Date().toISOString(),
        };
        inStoreMs = 0;
        const began = performance.now();
        const result = await uploadObjects({ destination, objects, evidence }, store, () => signer);
        const auditflow = performance.now() - began;
        previous = result.manifest ?? null;
        // The same bytes, content type and metadata as stored, under other names, with the SDK alone.
        const written = [...result.objects.map((o) => o.name), result.manifest!.name];
        const copies = await Promise.all(written.map(async (name) => ({ name, ...(await reader.read(name)) })));
        const began2 = performance.now();
        for (const copy of copies) {
          const contentType = copy.name === result.manifest!.name ? MANIFEST_CONTENT_TYPE : JSONL_CONTENT_TYPE;
          await emulator.sdkPut(`sdk/${copy.name}`, copy.body, contentType, copy.metadata);
        }
        const sdk = performance.now() - began2;
        if (batch === 0) {
          bytesPerBatch = copies.reduce((sum, copy) => sum + copy.body.length, 0);
          continue;
        }
        auditflowMs.push(auditflow);
        storeCallsMs.push(inStoreMs);
        sdkMs.push(sdk);
      }
      const times: UploadTimes = {
        type,
        auditflowMedianMs: round(median(auditflowMs)),
        auditflowP90Ms: round(p90(auditflowMs)),
        auditflowStoreCallsMedianMs: round(median(storeCallsMs)),
        sdkMedianMs: round(median(sdkMs)),
        sdkP90Ms: round(p90(sdkMs)),
        ratio: Math.round((median(auditflowMs) / median(sdkMs)) * 100) / 100,
      };
      say(`uploads: ${type}: auditflow ${times.auditflowMedianMs} ms, SDK ${times.sdkMedianMs} ms per batch (×${times.ratio})`);
      destinations.push(times);
    } finally {
      await emulator.close();
    }
  }
  return { batches: options.batches, objectsPerBatch: files.length, eventsPerBatch, bytesPerBatch, destinations };
}
