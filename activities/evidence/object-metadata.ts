// Each data object's integrity metadata (issue 17), written with its create-only upload: an auditor
// sees an object's SHA-256, sequence range and time range without trusting anything else.
import { createHash } from 'node:crypto';
import type { UploadEvidence } from '../../contracts/evidence';
import { OBJECT_METADATA as M } from '../../lib/evidence/format';
import { AUDITFLOW_VERSION } from '../../lib/version';

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export interface ObjectFacts {
  sha256: string;
  events: number;
  firstSeq: number;
  lastSeq: number;
  /** OCSF `time` of the first and last line, as ISO 8601 (absent if a line has none). */
  firstEventTime?: string;
  lastEventTime?: string;
}

/** The OCSF `time` (epoch ms) of one JSON line, as ISO 8601. */
function eventTime(line: string | undefined): string | undefined {
  if (!line) return undefined;
  const time = (JSON.parse(line) as { time?: unknown }).time;
  return typeof time === 'number' && Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/**
 * Facts of one object: the hash of its bytes as stored (`stored`, when the store keeps another encoding
 * than the JSON Lines) and its first and last events (lines are in sequence order).
 */
export function objectFacts(jsonl: Buffer, firstSeq: number, events: number, stored: Buffer = jsonl): ObjectFacts {
  const text = jsonl.toString('utf8');
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
  return {
    sha256: sha256Hex(stored),
    events,
    firstSeq,
    lastSeq: firstSeq + events - 1,
    firstEventTime: eventTime(firstLine),
    lastEventTime: eventTime(lastLine),
  };
}

/** The object's metadata as the stores write it: plain ASCII strings. */
export function objectMetadata(facts: ObjectFacts, evidence: UploadEvidence): Record<string, string> {
  const metadata: Record<string, string> = {
    [M.sha256]: facts.sha256,
    [M.events]: String(facts.events),
    [M.firstSeq]: String(facts.firstSeq),
    [M.lastSeq]: String(facts.lastSeq),
    [M.source]: evidence.sourceType,
    [M.scope]: evidence.scopeSlug,
    [M.integrationId]: evidence.integrationId,
    [M.version]: AUDITFLOW_VERSION,
  };
  if (facts.firstEventTime) metadata[M.firstEventTime] = facts.firstEventTime;
  if (facts.lastEventTime) metadata[M.lastEventTime] = facts.lastEventTime;
  return metadata;
}
