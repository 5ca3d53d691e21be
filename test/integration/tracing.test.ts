// One trace from `POST /v1/integrations` to every source request and object write, as deployed: the real
// API process and the real worker process, both exporting by OTLP/HTTP to a collector in this test
// (OTEL_EXPORTER_OTLP_ENDPOINT, the only switch). The chain is checked span by span through parent ids,
// every span of the trace has its parent in the trace, and nothing exported holds a secret: not the
// Mondoo token, not the API token, not the Azure SAS token whose signature rides in every write's query
// string, nor the storage account's key. Without the endpoint no SDK is started (test/unit/tracing.test.ts).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from '../../lib/child-process';
import { FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from '../../lib/data-converter';
import { repoRoot } from '../../lib/temporal-config';
import { tracingWorkflowInterceptorModules } from '../../lib/tracing';
import { workflowsPath } from '../../worker/bundle-workflows';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { azuriteAccount, containerSas, createAzureTestContainer, azuriteService } from '../helpers/azure';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { forms } from '../helpers/secret-forms';
import { testDataConverter } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const API_TOKEN = `api-token-${randomUUID()}`;
const MONDOO_TOKEN = `mondoo-secret-${randomUUID()}`;
const ORG = 'acme-corp-2fjq8x1';

describe('tracing', () => {
  let receiver: OtlpReceiver;
  let mondoo: FakeMondoo;
  let worker: WorkerProcess;
  let apiProcess: ManagedProcess;
  let api: string;
  const taskQueue = `test-tracing-${randomUUID()}`;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // Spans leave the processes within 100 ms instead of the default 5 s, as
    // JSON, which the test's collector reads (protobuf, the default, is test/unit/tracing.test.ts's).
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
    mondoo = await createFakeMondoo({ token: MONDOO_TOKEN, generated: { count: 250, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 15 } });
    const port = await freePort();
    apiProcess = startProcess('API process', process.execPath, ['--import', 'tsx', path.join(repoRoot, 'api/main.ts')], {
      env: {
        ...process.env,
        ...otel,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: inject('temporalNamespace'),
        AUDITFLOW_TASK_QUEUE: taskQueue,
        AUDITFLOW_API_PORT: String(port),
        AUDITFLOW_API_TOKEN: API_TOKEN,
      },
    });
    api = `http://127.0.0.1:${port}`;
    const readyz = async () => (await fetch(`${api}/readyz`)).ok;
    [worker] = await Promise.all([startWorkerProcess(taskQueue, otel), waitUntilReady(apiProcess, readyz, 120_000)]);
  });
  afterAll(async () => {
    await worker?.kill();
    await apiProcess?.stop();
    await mondoo?.close();
    await receiver?.close();
  });

  async function call(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${api}${route}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('follows POST /v1/integrations through the workflow to every source request and object write, with no secret in any span', async () => {
    const container = await createAzureTestContainer();
    const sasToken = containerSas(container, 'cw');
    const created = await call('POST', '/v1/integrations', {
      name: 'Traced export',
      source: { type: 'mondoo', scopeMrn: orgMrn(ORG), endpoint: mondoo.url, token: MONDOO_TOKEN },
      destination: {
        type: 'azure-blob',
        accountName: azuriteAccount().accountName,
        container,
        prefix: 'mondoo/',
        endpoint: inject('azuriteEndpoint'),
        credentials: { sasToken },
      },
      intervalMinutes: 60,
      includeHistorical: true,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = String(created.json.id);
    const lastRunOf = async () => (await call('GET', `/v1/integrations/${id}`)).json.lastRun as { outcome?: string; startedAt?: string } | undefined;
    const first = await eventually('the first run to complete', async () => {
      const lastRun = await lastRunOf();
      return lastRun?.outcome === 'completed' ? lastRun : undefined;
    });
    const blobs: string[] = [];
    for await (const blob of azuriteService().getContainerClient(container).listBlobsFlat()) blobs.push(blob.name);
    expect(blobs.length).toBeGreaterThanOrEqual(2); // the events and the batch's manifest

    const isRequest = (s: ReceivedSpan) =>
      s.service === 'auditflow-api' &&
      s.kind === SPAN_KIND.SERVER &&
      s.attributes['http.method'] === 'POST' &&
      s.attributes['http.target'] === '/v1/integrations';
    const request = await eventually('the API request span', () => receiver.spans.find(isRequest));
    expect(request.name).toBe('POST /v1/integrations');
    expect(request.attributes['http.route']).toBe('/v1/integrations');
    const inTrace = () => receiver.spans.filter((s) => s.traceId === request.traceId);
    const sourceUrl = (s: ReceivedSpan) => String(s.attributes['url.full'] ?? s.attributes['http.url'] ?? '');
    const isSourceRequest = (s: ReceivedSpan) => s.kind === SPAN_KIND.CLIENT && sourceUrl(s).startsWith(mondoo.url);
    // Every span of the run is in: the first execution's RunWorkflow (ended by continue-as-new), each
    // source request the fake answered, each object write.
    await eventually('the whole first run in the trace', () => {
      const spans = inTrace();
      const done =
        spans.some((s) => s.name === 'ContinueAsNew:auditLogExportWorkflow') &&
        spans.some((s) => s.name === 'RunWorkflow:auditLogExportWorkflow') &&
        spans.filter(isSourceRequest).length === mondoo.requests &&
        spans.filter((s) => s.name === 'object write').length === blobs.length;
      return done || undefined;
    });

    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const ancestors = (s: ReceivedSpan): ReceivedSpan[] => {
      const out: ReceivedSpan[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) out.push(p);
      return out;
    };
    const describeSpan = (s: ReceivedSpan) => `${s.service} ${s.name}`;
    // Correct parentage throughout: one root (the request), every other span's parent is in the trace.
    expect(spans.filter((s) => !s.parentSpanId).map(describeSpan)).toEqual([describeSpan(request)]);
    expect(spans.filter((s) => s.parentSpanId && !byId.has(s.parentSpanId)).map(describeSpan)).toEqual([]);

    // API request → StartWorkflow (the API's Temporal client) → RunWorkflow (the worker's sandbox).
    const start = spans.find((s) => s.name === 'StartWorkflow:auditLogExportWorkflow');
    expect(start?.service).toBe('auditflow-api');
    expect(ancestors(start!)).toContain(request);
    const run = spans.find((s) => s.name === 'RunWorkflow:auditLogExportWorkflow' && s.parentSpanId === start!.spanId);
    expect(run?.service).toBe('auditflow-worker');

    // RunWorkflow → StartActivity:<type> → RunActivity:<type>, for fetch and upload.
    for (const type of ['fetch', 'upload']) {
      const runs = spans.filter((s) => s.name === `RunActivity:${type}`);
      expect(runs.length, type).toBeGreaterThan(0);
      for (const activity of runs) {
        expect(parentOf(activity)?.name, type).toBe(`StartActivity:${type}`);
        expect(ancestors(activity), type).toContain(run);
      }
    }

    // The fetch maps its batch (MAP_IN_FETCH_PATCH): the map is a span under the fetch, no activity of its own.
    expect(spans.filter((s) => s.name === 'RunActivity:map')).toEqual([]);
    const maps = spans.filter((s) => s.name === 'map to OCSF');
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      expect(parentOf(map)?.name).toBe('RunActivity:fetch');
      expect(map.attributes['auditflow.events']).toBeGreaterThan(0);
      expect(map.attributes['auditflow.files']).toBeGreaterThan(0);
    }

    // Every request the source answered is a client span under a fetch activity; none outside the trace.
    const sourceRequests = spans.filter(isSourceRequest);
    expect(sourceRequests.length).toBe(mondoo.requests);
    expect(receiver.spans.filter(isSourceRequest).length).toBe(mondoo.requests);
    for (const span of sourceRequests) expect(ancestors(span).map((s) => s.name)).toContain('RunActivity:fetch');

    // Every object in the container was written under an upload activity, by an HTTP PUT the span holds.
    const writes = spans.filter((s) => s.name === 'object write');
    expect(writes.map((s) => String(s.attributes['auditflow.object.url']).split(`/${container}/`)[1]).sort()).toEqual([...blobs].sort());
    for (const write of writes) {
      expect(write.attributes['auditflow.destination.type']).toBe('azure-blob');
      expect(ancestors(write).map((s) => s.name)).toContain('RunActivity:upload');
      const puts = spans.filter((s) => s.parentSpanId === write.spanId && s.kind === SPAN_KIND.CLIENT && s.attributes['http.method'] === 'PUT');
      expect(puts.length, String(write.attributes['auditflow.object.url'])).toBeGreaterThan(0);
      // The SAS token is the query string: cut off every URL.
      for (const put of puts) expect(String(put.attributes['http.url'])).not.toContain('?');
    }

    // The run's end ends the trace: the next run (here asked for at once) is a trace of its own.
    expect((await call('POST', `/v1/integrations/${id}/run`)).status).toBeLessThan(300);
    await eventually('the second run to complete', async () => {
      const lastRun = await lastRunOf();
      return lastRun?.outcome === 'completed' && lastRun.startedAt !== first.startedAt ? lastRun : undefined;
    });
    const next = await eventually('the second execution in a trace of its own', () =>
      receiver.spans.find((s) => s.name === 'RunWorkflow:auditLogExportWorkflow' && !s.parentSpanId),
    );
    expect(next.traceId).not.toBe(request.traceId);
    expect(next.attributes.workflowId).toBe(run!.attributes.workflowId);
    expect(inTrace().filter((s) => s.name === 'RunWorkflow:auditLogExportWorkflow')).toEqual([run]);
    const nextFetch = await eventually('a fetch in the second run', () =>
      receiver.spans.find((s) => s.traceId === next.traceId && s.name === 'RunActivity:fetch'),
    );
    expect(nextFetch.service).toBe('auditflow-worker');

    // No secret anywhere in what left the processes (names, attributes, events, resources), in any form.
    const secrets = {
      'Mondoo token': MONDOO_TOKEN,
      'API token': API_TOKEN,
      'SAS token': sasToken,
      'SAS signature': new URLSearchParams(sasToken).get('sig')!,
      'SAS signature (URL-encoded)': encodeURIComponent(new URLSearchParams(sasToken).get('sig')!),
      'storage account key': inject('azuriteAccountKey'),
    };
    const exported = receiver.bodies.join('\n');
    expect(exported.length).toBeGreaterThan(0);
    const hits = Object.entries(secrets)
      .filter(([, secret]) => forms(secret).some((form) => exported.includes(form)))
      .map(([what]) => what);
    expect(hits).toEqual([]);
    expect(exported).not.toMatch(/sig=|Bearer |authorization/i);

    expect((await call('DELETE', `/v1/integrations/${id}`)).status).toBeLessThan(300);
  });

  it('turned on for running integrations, replays their recorded histories (no nondeterminism) and exports nothing on replay', async () => {
    const fixtures = path.join(repoRoot, 'test/fixtures/histories');
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules: tracingWorkflowInterceptorModules(),
      payloadConverterPath: PAYLOAD_CONVERTER_PATH,
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN', () => undefined),
    });
    let exported = 0;
    const histories = files.map((file) => ({ workflowId: file, history: historyFromJSON(JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'))) }));
    const results = Worker.runReplayHistories(
      { workflowBundle: { code }, dataConverter: testDataConverter(), sinks: { exporter: { export: { fn: () => void exported++ } } } },
      histories,
    );
    for await (const result of results) expect(result.error, `replay of ${result.workflowId}`).toBeUndefined();
    expect(exported).toBe(0);
  });
});
