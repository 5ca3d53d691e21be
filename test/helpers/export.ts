// Starting exports against the fakes, and checking what landed in the bucket: every event exactly
// once, ranges that tile 1..N, every line valid OCSF.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject } from 'vitest';
import { DedupeKeyer } from '../../activities/sources/dedupe-keyer';
import { nodeHash } from '../../activities/sources/mondoo/dedupe-key';
import type { MondooAuditNode } from '../../activities/sources/mondoo/types';
import {
  DEFAULT_LIMITS,
  EXPORT_WORKFLOW_TYPE,
  statusQuery,
  workflowIdFor,
  type ExportLimits,
  type ExportStatusView,
  type ExportTiming,
  type IntegrationConfig,
} from '../../workflows/definitions';
import { validateOcsfEvent } from '../../lib/ocsf/validator';
import { readObjects } from './gcs';
import type { TestEnv } from './temporal';

export const FAST_TIMING: ExportTiming = {
  intervalMs: 60 * 60_000,
  activityTimeoutMs: 30_000,
  retryInitialMs: 100,
  retryMaxMs: 1_000,
  retryMaxAttempts: 6,
};

export interface ExportSetup {
  mondooUrl: string;
  mondooToken: string;
  scopeMrn: string;
  bucket: string;
  prefix?: string;
  includeHistorical?: boolean;
  createdAt?: string;
  timing?: Partial<ExportTiming>;
  limits?: Partial<ExportLimits>;
}

export function integrationConfig(setup: ExportSetup): IntegrationConfig {
  return {
    integrationId: randomUUID(),
    name: 'test export',
    source: { type: 'mondoo', scopeMrn: setup.scopeMrn, endpoint: setup.mondooUrl, token: setup.mondooToken },
    destination: { type: 'gcs', bucket: setup.bucket, prefix: setup.prefix ?? 'mondoo/', endpoint: inject('gcsEndpoint') },
    includeHistorical: setup.includeHistorical ?? true,
    createdAt: setup.createdAt ?? new Date().toISOString(),
    timing: { ...FAST_TIMING, ...setup.timing },
    limits: { ...DEFAULT_LIMITS, ...smallBatchesFor(setup.limits), ...setup.limits },
  };
}

/**
 * A test that shrinks files means a small source spread over many objects: its batches shrink with
 * them (two files each), so the source still spans many batches, executions and multi-file uploads.
 */
export function smallBatchesFor(limits: Partial<ExportLimits> = {}): Partial<ExportLimits> {
  return limits.maxEventsPerFile === undefined ? {} : { maxEventsPerBatch: 2 * limits.maxEventsPerFile };
}

export async function startExport(env: TestEnv, config: IntegrationConfig, taskQueue = env.settings.taskQueue): Promise<WorkflowHandle> {
  return env.client.workflow.start(EXPORT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: workflowIdFor(config.integrationId),
    args: [{ config }],
  });
}

/** Polls the status query until `done` holds; queries of a handle follow continue-as-new. */
export async function waitForStatus(handle: WorkflowHandle, done: (status: ExportStatusView) => boolean, timeoutMs = 90_000): Promise<ExportStatusView> {
  const deadline = Date.now() + timeoutMs;
  let last: ExportStatusView | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (done(last)) return last;
    } catch (error) {
      // A query may land between two executions of a continue-as-new chain; ask again.
      if (!/not found|continued|no such/i.test((error as Error).message)) throw error;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`status condition not met within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
}

/** The dedupe keys the exporter must produce for these nodes (an ascending pass from the start). */
export function expectedKeys(nodes: MondooAuditNode[]): string[] {
  const keyer = new DedupeKeyer(nodeHash);
  return nodes.map((node) => keyer.keyFor(node));
}

export interface ExportedObjects {
  names: string[];
  events: Array<Record<string, unknown>>;
  keys: string[];
}

const NAME = /-audit-logs-(\d+)-(\d+)\.jsonl(\.gz)?$/;

/**
 * Reads every object under the prefix and asserts the invariants every export must keep: ranges tile
 * 1..N without gap or overlap, each object holds exactly its range's count, every line is valid OCSF.
 */
export async function readExport(
  bucket: string,
  prefix = 'mondoo/',
  read: (bucket: string, prefix: string) => Promise<Map<string, string>> = readObjects,
): Promise<ExportedObjects> {
  const objects = await read(bucket, prefix);
  const ranges = [...objects.keys()]
    .map((name) => {
      const match = NAME.exec(name);
      expect(match, `object name ${name}`).not.toBeNull();
      return { name, from: Number(match![1]), to: Number(match![2]) };
    })
    .sort((a, b) => a.from - b.from);
  const events: Array<Record<string, unknown>> = [];
  let next = 1;
  for (const range of ranges) {
    expect(range.from, `${range.name} continues the sequence`).toBe(next);
    const lines = objects.get(range.name)!.split('\n').filter(Boolean);
    expect(lines.length, `${range.name} holds its range`).toBe(range.to - range.from + 1);
    for (const line of lines) {
      const event = JSON.parse(line) as Record<string, unknown>;
      const issues = validateOcsfEvent(event);
      expect(issues, `OCSF issues in ${range.name}`).toEqual([]);
      events.push(event);
    }
    next = range.to + 1;
  }
  const keys = events.map((event) => String((event.metadata as { uid: string }).uid));
  return { names: ranges.map((r) => r.name), events, keys };
}

/** Every expected key exactly once, nothing else. */
export function expectExactlyOnce(exported: ExportedObjects, expected: string[]): void {
  const counts = new Map<string, number>();
  for (const key of exported.keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  expect(duplicates, 'events exported twice').toEqual([]);
  const missing = expected.filter((key) => !counts.has(key));
  expect(missing, 'events missing from the bucket').toEqual([]);
  const unexpected = [...counts.keys()].filter((key) => !expected.includes(key));
  expect(unexpected, 'events that should not be there').toEqual([]);
  expect(exported.keys.length).toBe(expected.length);
}
