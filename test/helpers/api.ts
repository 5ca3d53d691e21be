// The real API in-process (createApp + listen on port 0) against the real dev server, with its own
// task queue, optionally a real export worker and the fake Mondoo API.
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createApp } from '../../api/app';
import type { IntegrationDetail } from '../../api/schemas/integration';
import { DEFAULT_BODY_LIMIT_BYTES, type ApiSettings } from '../../api/settings';
import { connectApiClient, type ApiTemporalClient } from '../../api/temporal-client';
import { createLogger } from '../../lib/logger';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { openTestEnv, startExportWorker, testDataConverter, type TestEnv } from './temporal';

export const TEST_ORG = 'acme-corp-2fjq8x1';
/** A key file the API accepts (a real, throwaway PEM key); nothing at Google knows it. */
export function fakeServiceAccountJson(fields: Record<string, unknown> = {}): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    client_email: 'exporter@example-project.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ...fields,
  });
}
export const FAKE_SERVICE_ACCOUNT_JSON = fakeServiceAccountJson();

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (malformed JSON, odd content types). */
  rawBody?: string;
  /** Default: the first valid token; null sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  url: string;
  tokens: string[];
  env: TestEnv;
  api: ApiTemporalClient;
  mondoo?: FakeMondoo;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  tokens?: string[];
  /** Start an export worker on the harness's task queue (and the fake Mondoo it reads). */
  worker?: boolean;
  /** The API's Temporal address (e.g. a proxy that can stall); default the test server. */
  temporalAddress?: string;
  /** ApiSettings.temporalTimeoutMs. */
  temporalTimeoutMs?: number;
}

export async function startApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const tokens = options.tokens ?? ['test-token-primary', 'test-token-rotated'];
  const env = await openTestEnv();
  // The API's own client factory, with the run's encryption key, like api/main.ts.
  const api = await connectApiClient({ ...env.settings, address: options.temporalAddress ?? env.settings.address }, { dataConverter: testDataConverter() });
  const settings: ApiSettings = {
    taskQueue: env.settings.taskQueue,
    tokens,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    temporalTimeoutMs: options.temporalTimeoutMs,
  };
  const log = createLogger('api-test', process.env.AUDITFLOW_LOG_LEVEL ?? 'silent');
  let worker: { worker: Worker; running: Promise<void> } | undefined;
  let mondoo: FakeMondoo | undefined;
  if (options.worker) {
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ generated: { count: 1_200, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 3 } });
  }
  const server: Server = await new Promise((resolve) => {
    const listening = createApp({ client: api.client, log, settings }).listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tokens,
    env,
    api,
    mondoo,
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = { ...request.headers };
      const token = request.token === undefined ? tokens[0] : request.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body = request.rawBody;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the test sees the text.
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker?.worker.shutdown();
      await worker?.running;
      await mondoo?.close();
      await api.connection.close();
      await env.close();
    },
  };
}

/** A valid create body for the emulator and the fake Mondoo; `patch` overrides top-level fields. */
export function integrationBody(setup: { bucket: string; mondoo?: FakeMondoo; scopeMrn?: string }, patch: Record<string, unknown> = {}) {
  return {
    name: 'Audit Log Export to GCS',
    source: {
      type: 'mondoo',
      scopeMrn: setup.scopeMrn ?? orgMrn(TEST_ORG),
      endpoint: setup.mondoo?.url ?? 'https://us.api.mondoo.com/query',
      token: setup.mondoo?.token ?? 'mondoo-token-that-must-stay-secret',
    },
    destination: { type: 'gcs', bucket: setup.bucket, prefix: 'mondoo/', endpoint: inject('gcsEndpoint') },
    intervalMinutes: 60,
    includeHistorical: true,
    ...patch,
  };
}

/** Polls until `check` returns a value that is not undefined; fails with the last value at the deadline. */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms (last error: ${String(last)})`);
}

/** Executions on the harness's task queue: what the "nothing was started" checks count. */
export async function executionsOnQueue(harness: ApiHarness): Promise<number> {
  const { count } = await harness.env.client.workflow.count(`TaskQueue = "${harness.env.settings.taskQueue}"`);
  return count;
}

/** Polls GET /v1/integrations/:id until `done` holds. */
export async function waitForIntegration(
  harness: ApiHarness,
  id: string,
  done: (detail: IntegrationDetail) => boolean,
  timeoutMs = 90_000,
): Promise<IntegrationDetail> {
  let last: unknown;
  return waitFor(
    () => `integration ${id} to reach the condition (last answer: ${JSON.stringify(last)})`,
    async () => {
      const response = await harness.request<IntegrationDetail>('GET', `/v1/integrations/${id}`);
      last = response.body;
      return response.status === 200 && done(response.body) ? response.body : undefined;
    },
    timeoutMs,
  );
}
