// The one-time exports API end to end: the real API in-process, the dev server, an export worker, the
// GCS emulator and the fake Mondoo API (its generated log starts 2025-06-01, 4 events a second).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Export, ExportDetail } from '../../api/schemas/export';
import { orgMrn } from '../../sandbox/mondoo';
import { integrationBody, startApiHarness, TEST_ORG, waitFor, type ApiHarness } from '../helpers/api';
import { expectedKeys, expectExactlyOnce, readExport } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('one-time exports API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  async function createExport(range: { from: string; to: string }, patch: Record<string, unknown> = {}) {
    const bucket = await createTestBucket();
    const { name, source, destination } = integrationBody({ bucket, mondoo: h.mondoo });
    const body = { name, source, destination, ...range, lateArrivalSeconds: 60, ...patch };
    const response = await h.request<Export>('POST', '/v1/exports', { body });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { created: response.body, bucket };
  }

  const waitForExport = (id: string, done: (d: ExportDetail) => boolean) =>
    waitFor(`export ${id}`, async () => {
      const response = await h.request<ExportDetail>('GET', `/v1/exports/${id}`);
      return response.status === 200 && done(response.body) ? response.body : undefined;
    });

  it('exports a past range once and completes; GET shows its progress and times, without secrets', async () => {
    const range = { from: '2025-06-01T00:01:00Z', to: '2025-06-01T00:02:00Z' };
    const { created, bucket } = await createExport(range);
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      workflowId: `audit-log-one-time-export-${created.id}`,
      name: 'Audit Log Export to GCS',
      status: 'running',
      source: { type: 'mondoo', scopeMrn: orgMrn(TEST_ORG), endpoint: h.mondoo!.url },
      destination: { type: 'gcs', bucket, prefix: 'mondoo/', endpoint: inject('gcsEndpoint'), auth: 'ambient' },
      ...range,
      lateArrivalSeconds: 60,
      createdAt: expect.any(String),
      startedAt: created.createdAt,
    });
    expect(JSON.stringify(created)).not.toContain(h.mondoo!.token);

    const done = await waitForExport(created.id, (d) => d.status !== 'running');
    const inRange = h.mondoo!.store.all(orgMrn(TEST_ORG)).filter((n) => n.timestamp >= range.from && n.timestamp < range.to);
    expect(inRange.length).toBeGreaterThan(100);
    expect(done).toMatchObject({ status: 'completed', progress: { events: inRange.length, files: 1 }, finishedAt: expect.any(String) });
    expect(done.lastError).toBeUndefined();
    expectExactlyOnce(await readExport(bucket), expectedKeys(inRange));
  });

  it('lists newest first, a page at a time, and cancels a running export (202, then 409)', async () => {
    const recent = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() - 1_000).toISOString() };
    // Its last pass waits out an hour past `to`: it is running until cancelled.
    const { created: waiting } = await createExport(recent, { lateArrivalSeconds: 3600 });
    const { created: newest } = await createExport(recent, { lateArrivalSeconds: 3600 });
    // Listings read Temporal's visibility store, which indexes a new execution shortly after it starts.
    await waitFor('both listed', async () => {
      const listed = await h.request<{ exports: Export[] }>('GET', '/v1/exports?status=running');
      const ids = new Set(listed.body.exports.map((e) => e.id));
      return ids.has(waiting.id) && ids.has(newest.id) ? true : undefined;
    });

    const first = await h.request<{ exports: Export[]; nextPageToken?: string }>('GET', '/v1/exports?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.exports.map((e) => e.id)).toEqual([newest.id]);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await h.request<{ exports: Export[] }>('GET', `/v1/exports?limit=1&pageToken=${first.body.nextPageToken}`);
    expect(second.body.exports.map((e) => e.id)).toEqual([waiting.id]);
    const running = await h.request<{ exports: Export[] }>('GET', '/v1/exports?status=running');
    expect(running.body.exports.map((e) => e.id)).toEqual(expect.arrayContaining([waiting.id, newest.id]));

    for (const { id } of [waiting, newest]) {
      const cancel = await h.request('DELETE', `/v1/exports/${id}`);
      expect(cancel).toMatchObject({ status: 202, body: { id, action: 'cancel', accepted: true } });
      const cancelled = await waitForExport(id, (d) => d.status === 'cancelled');
      expect(cancelled.finishedAt).toEqual(expect.any(String));
      expect((await h.request('DELETE', `/v1/exports/${id}`)).body).toMatchObject({ error: { code: 'export_ended' } });
    }
    expect((await h.request('GET', '/v1/exports/6a1f8a52-4c1e-4d8e-9f7a-2b3c4d5e6f70')).status).toBe(404);
  });
});
