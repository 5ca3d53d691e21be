// Calendar schedules end to end: the API keeps a schedule instead of an interval, the export workflow
// sets `nextRunAt` to the schedule's next calendar time after each run (the first run still at once),
// and the arithmetic gives the same DST-correct sequence inside the workflow sandbox as in Node.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import { scheduleSchema } from '../../api/schemas/schedule';
import { nextScheduledRunAt } from '../../workflows/schedule';
import { integrationBody, startApiHarness, waitForIntegration, type ApiHarness } from '../helpers/api';
import { createTestBucket } from '../helpers/gcs';
import { testDataConverter } from '../helpers/temporal';

const BERLIN_DAILY = { frequency: 'daily', time: '02:30', timezone: 'Europe/Berlin' } as const;

describe('calendar schedules', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  it('a daily schedule in Europe/Berlin: first run at once, then nextRunAt is the next 02:30 Berlin time after each run', async () => {
    const bucket = await createTestBucket();
    const body = integrationBody({ bucket, mondoo: h.mondoo }, { intervalMinutes: undefined, schedule: BERLIN_DAILY });
    const created = await h.request<Integration>('POST', '/v1/integrations', { body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.schedule).toEqual(BERLIN_DAILY);
    expect(created.body).not.toHaveProperty('intervalMinutes');
    const { id } = created.body;

    const first = await waitForIntegration(h, id, (d) => d.lastRun?.outcome === 'completed');
    expect(first.totals!.events).toBeGreaterThan(0);
    expect(first.schedule).toEqual(BERLIN_DAILY);
    // Computed in the same workflow task that finished the run, from the same clock.
    expect(first.nextRunAt).toBe(nextScheduledRunAt(scheduleSchema.parse(BERLIN_DAILY), Date.parse(first.lastRun!.finishedAt!)));
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(first.nextRunAt!));
    expect(local).toBe('02:30');
    expect(Date.parse(first.nextRunAt!) - Date.now()).toBeLessThanOrEqual(25 * 3600_000);

    // A run asked for out of schedule leaves the calendar where it is.
    expect((await h.request('POST', `/v1/integrations/${id}/run`)).status).toBe(202);
    const second = await waitForIntegration(
      h,
      id,
      (d: IntegrationDetail) => d.lastRun?.startedAt !== first.lastRun!.startedAt && d.lastRun?.outcome === 'completed',
    );
    expect(second.nextRunAt).toBe(nextScheduledRunAt(scheduleSchema.parse(BERLIN_DAILY), Date.parse(second.lastRun!.finishedAt!)));
    expect(second.totals!.events).toBe(first.totals!.events);

    expect((await h.request('DELETE', `/v1/integrations/${id}`)).status).toBe(202);
  });

  it('inside the workflow sandbox, daily 02:30 across both 2026 Berlin changes: 03:00 local on the skipped day, once on the repeated one', async () => {
    const worker = await Worker.create({
      connection: h.env.nativeConnection,
      namespace: h.env.settings.namespace,
      taskQueue: `${h.env.settings.taskQueue}-sequence`,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('../fixtures/schedule-sequence-workflow.ts', import.meta.url)),
        logger: new DefaultLogger('WARN'),
      }),
      dataConverter: testDataConverter(),
    });
    const sequence = (after: string, count: number) =>
      h.env.client.workflow.execute('scheduleSequenceWorkflow', {
        taskQueue: `${h.env.settings.taskQueue}-sequence`,
        workflowId: `schedule-sequence-${randomUUID()}`,
        args: [scheduleSchema.parse(BERLIN_DAILY), after, count],
      });
    const [spring, autumn] = await worker.runUntil(Promise.all([sequence('2026-03-27T12:00:00Z', 4), sequence('2026-10-23T12:00:00Z', 4)]));
    expect(spring).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    expect(autumn).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });
});
