// The export without Temporal: the same fetch (which maps, as the workflow asks it to) → upload code (with
// the evidence: object metadata and a signed manifest per batch, chained) and the same watermark
// arithmetic, called in a plain loop. What the Temporal path costs is the difference.
import { fetchNewEvents } from '../activities/fetch';
import { sinkConnector, type RegisteredDestinationConfig } from '../activities/sinks/registry';
import { sourceConnector, type RegisteredSourceConfig } from '../activities/sources/registry';
import { uploadObjects, type ManifestSigner } from '../activities/upload';
import type { UploadResult } from '../contracts/activities';
import type { ManifestRef, UploadEvidence } from '../contracts/evidence';
import { publicUrlFrom } from '../lib/wif';
import { loadOidcSigningKeys } from '../lib/wif-keys';
import { DEFAULT_LIMITS, type ExportLimits, type ExportProgress } from '../workflows/definitions';
import { manifestName, objectName } from '../workflows/object-names';
import { advanceProgress, fetchInputFor, mapToFor } from '../workflows/progress';

export interface DirectRun {
  events: number;
  files: number;
  batches: number;
  seconds: number;
  /** Median milliseconds per batch of each step: where a batch's time goes without Temporal (the map is in the fetch). */
  stepMedianMs: { fetch: number; map?: number; upload: number };
}

export async function runDirectPipeline(
  source: RegisteredSourceConfig,
  destination: RegisteredDestinationConfig,
  limits: ExportLimits = DEFAULT_LIMITS,
): Promise<DirectRun> {
  const started = performance.now();
  const store = sinkConnector(destination.type).open(destination);
  const connector = sourceConnector(source.type);
  const { scopeSlug, scopeId } = connector.scope(connector.view(source));
  let progress: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
  let batches = 0;
  // As the worker signs them (activities/index.ts): the development key unless AUDITFLOW_OIDC_SIGNING_KEYS is set
  // (the worker warns of that; here it would only repeat itself).
  const signer: ManifestSigner = { issuer: publicUrlFrom(), keys: loadOidcSigningKeys({ log: { warn: () => undefined } }) };
  let lastManifest: ManifestRef | null = null;
  const stepMs: Record<'fetch' | 'upload', number[]> = { fetch: [], upload: [] };
  const timed = async <T>(step: keyof typeof stepMs, body: () => T | Promise<T>): Promise<T> => {
    const begin = performance.now();
    try {
      return await body();
    } finally {
      stepMs[step].push(performance.now() - begin);
    }
  };
  const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[values.length >> 1]! * 10) / 10;
  for (;;) {
    const batch = await timed('fetch', () => fetchNewEvents({ ...fetchInputFor(source, limits, progress), mapTo: mapToFor(limits, scopeId) }));
    if (!('files' in batch)) throw new Error('a fetch with mapTo returns OCSF files');
    batches++;
    let files = 0;
    if (batch.count > 0) {
      let seq = progress.nextSeq;
      const objects = batch.files.map((file) => {
        const name = objectName(destination.prefix, scopeSlug, seq, seq + file.events - 1);
        seq += file.events;
        return { ...file, name };
      });
      const firstSeq = progress.nextSeq;
      const evidence: UploadEvidence = {
        integrationId: 'bench-direct-pipeline',
        sourceType: source.type,
        scopeSlug,
        scopeId,
        firstSeq,
        manifestName: manifestName(destination.prefix, scopeSlug, firstSeq, firstSeq + batch.count - 1),
        previous: lastManifest,
        createdAt: new Date().toISOString(),
      };
      const uploaded: UploadResult = await timed('upload', () => uploadObjects({ destination, objects, evidence }, store, () => signer));
      lastManifest = uploaded.manifest ?? lastManifest;
      files = objects.length;
    }
    const totals = { events: progress.totals.events + batch.count, files: progress.totals.files + files };
    progress = { ...advanceProgress(progress, batch), totals };
    if (batch.exhausted) break;
  }
  return {
    events: progress.totals.events,
    files: progress.totals.files,
    batches,
    seconds: (performance.now() - started) / 1000,
    stepMedianMs: { fetch: median(stepMs.fetch), upload: median(stepMs.upload) },
  };
}
