// The Temporal UI's workflow list shows each integration's name, source type and status as columns, also
// after continue-as-new: the start's static summary is not carried to the next execution, search
// attributes are. Checked the way an operator sees them: `temporal workflow list --query … --output json`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Integration } from '../../api/schemas/integration';
import { orgMrn } from '../../sandbox/mondoo';
import {
  EXPORT_WORKFLOW_TYPE,
  ExportStatusAttribute,
  IntegrationIdAttribute,
  IntegrationNameAttribute,
  SourceTypeAttribute,
  workflowIdFor,
} from '../../workflows/definitions';
import { INTEGRATION_NAME_ATTRIBUTE_PATCH } from '../../workflows/patches';
import { integrationBody, startApiHarness, TEST_ORG, waitFor, waitForIntegration, type ApiHarness } from '../helpers/api';
import { integrationConfig, waitForStatus } from '../helpers/export';
import { createTestBucket } from '../helpers/gcs';

const run = promisify(execFile);

interface ListedExecution {
  runId: string;
  attributes: Record<string, unknown>;
}

/** `temporal workflow list --output json`: one row per execution, search attributes as JSON payloads. */
async function cliList(h: ApiHarness, query: string): Promise<ListedExecution[]> {
  const { stdout } = await run(
    inject('temporalCliPath'),
    ['workflow', 'list', '--address', h.env.settings.address, '--namespace', h.env.settings.namespace, '--query', query, '--output', 'json'],
    { encoding: 'utf8' },
  );
  const rows = (JSON.parse(stdout || '[]') ?? []) as Array<{
    execution: { runId: string };
    searchAttributes?: { indexedFields?: Record<string, { data: string }> };
  }>;
  return rows.map((row) => ({
    runId: row.execution.runId,
    attributes: Object.fromEntries(
      Object.entries(row.searchAttributes?.indexedFields ?? {}).map(([name, payload]) => [name, JSON.parse(Buffer.from(payload.data, 'base64').toString())]),
    ),
  }));
}

describe('integrations in the Temporal UI list', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: true });
  });
  afterAll(async () => h?.close());

  it('lists an integration by name, with its source type and status, after it continued as new', async () => {
    const bucket = await createTestBucket();
    const name = `Findable by name ${Date.now()}`;
    const created = await h.request<Integration>('POST', '/v1/integrations', { body: integrationBody({ bucket, mondoo: h.mondoo }, { name }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, workflowId } = created.body;
    const firstRunId = (await h.env.client.workflow.getHandle(workflowId).describe()).runId;
    // Every run ends in continue-as-new: the execution running after it is not the one the API started.
    await waitForIntegration(h, id, (d) => d.lastRun?.outcome === 'completed');

    // What the saved view runs: one row per integration, found by its name.
    const rows = await waitFor('the continued execution in visibility', async () => {
      const found = await cliList(h, `IntegrationName = "${name}" AND ExecutionStatus = "Running"`);
      return found.length === 1 && found[0]!.runId !== firstRunId ? found : undefined;
    });
    expect(rows[0]!.attributes).toMatchObject({ IntegrationName: name, IntegrationId: id, SourceType: 'mondoo', ExportStatus: 'active' });
    // Every execution of the chain carries them, through the client too.
    const runs = [];
    for await (const info of h.env.client.workflow.list({ query: `IntegrationId = "${id}" AND WorkflowType = "${EXPORT_WORKFLOW_TYPE}"` })) runs.push(info);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const info of runs) expect(info.typedSearchAttributes.get(IntegrationNameAttribute)).toBe(name);
    // The summary stays with the first execution only, which is why the name is a search attribute.
    expect(await (await h.env.client.workflow.getHandle(workflowId, firstRunId).describe()).staticSummary()).toContain(name);
    expect(await (await h.env.client.workflow.getHandle(workflowId).describe()).staticSummary()).toBeUndefined();
    expect((await h.request('DELETE', `/v1/integrations/${id}`)).status).toBe(202);
  });

  it('gives an integration started without the name attribute (before it existed) its name, from the workflow', async () => {
    const bucket = await createTestBucket();
    const config = {
      ...integrationConfig({ mondooUrl: h.mondoo!.url, mondooToken: h.mondoo!.token, scopeMrn: orgMrn(TEST_ORG), bucket }),
      name: 'Created before names',
    };
    // How the API started export workflows until now: id, status and source type, no name.
    const handle = await h.env.client.workflow.start(EXPORT_WORKFLOW_TYPE, {
      taskQueue: h.env.settings.taskQueue,
      workflowId: workflowIdFor(config.integrationId),
      args: [{ config }],
      typedSearchAttributes: [
        { key: IntegrationIdAttribute, value: config.integrationId },
        { key: ExportStatusAttribute, value: 'active' },
        { key: SourceTypeAttribute, value: 'mondoo' },
      ],
    });
    await waitForStatus(handle, (s) => s.lastRun?.outcome === 'completed');
    const rows = await waitFor('the named, continued execution in visibility', async () => {
      const found = await cliList(h, `IntegrationName = "${config.name}" AND IntegrationId = "${config.integrationId}" AND ExecutionStatus = "Running"`);
      return found.length === 1 && found[0]!.runId !== handle.firstExecutionRunId ? found : undefined;
    });
    expect(rows[0]!.attributes).toMatchObject({ IntegrationName: config.name, SourceType: 'mondoo', ExportStatus: 'active' });
    // The first execution recorded the patch that adds it (older histories replay without: replay.test.ts).
    const history = await h.env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    const markers = history.events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch') ?? [];
    const ids = markers.map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString()).id);
    expect(ids).toContain(INTEGRATION_NAME_ATTRIBUTE_PATCH);
    await handle.terminate('test done');
  });
});
