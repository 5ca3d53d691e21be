// The export without Temporal: the same fetch → map → upload code and the same watermark arithmetic,
// called in a plain loop. What the Temporal path costs is the difference between the two.
import { fetchNewEvents } from '../activities/fetch';
import { mapToOcsfFiles } from '../activities/map';
import { createStorage, GcsSink } from '../activities/sinks/gcs-sink';
import { uploadObjects } from '../activities/upload';
import { DEFAULT_LIMITS, type ExportLimits, type ExportProgress, type GcsDestinationConfig, type MondooSourceConfig } from '../workflows/definitions';
import { objectName } from '../workflows/object-names';
import { advanceProgress, fetchInputFor } from '../workflows/progress';

export interface DirectRun {
  events: number;
  files: number;
  batches: number;
  seconds: number;
}

export async function runDirectPipeline(source: MondooSourceConfig, destination: GcsDestinationConfig, limits: ExportLimits = DEFAULT_LIMITS): Promise<DirectRun> {
  const started = performance.now();
  const sink = new GcsSink(createStorage(destination), destination);
  let progress: ExportProgress = { watermark: null, recentKeys: {}, nextSeq: 1, totals: { events: 0, files: 0 } };
  let batches = 0;
  for (;;) {
    const batch = await fetchNewEvents(fetchInputFor(source, limits, progress));
    batches++;
    let files = 0;
    if (batch.events.length > 0) {
      const mapped = mapToOcsfFiles({ events: batch.events, scopeMrn: source.scopeMrn, maxEventsPerFile: limits.maxEventsPerFile, maxBytesPerFile: limits.maxBytesPerFile, output: 'zstd-base64' });
      let seq = progress.nextSeq;
      const objects = mapped.files.map((file) => {
        const name = objectName(destination.prefix, source.scopeMrn, seq, seq + file.events - 1);
        seq += file.events;
        return { ...file, name };
      });
      await uploadObjects({ destination, objects }, sink);
      files = objects.length;
    }
    const totals = { events: progress.totals.events + batch.events.length, files: progress.totals.files + files };
    progress = { ...advanceProgress(progress, batch), totals };
    if (batch.exhausted) break;
  }
  return { events: progress.totals.events, files: progress.totals.files, batches, seconds: (performance.now() - started) / 1000 };
}
