// Tracing is off without an OTLP endpoint (nothing of the SDK loaded), and every exported span is
// redacted: no query string (Azure SAS tokens), no user info, no header, no structured value.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { repoRoot } from '../../lib/temporal-config';
import { redactAttributes, redactSpan, redactText, tracingEnabled } from '../../lib/tracing';

/**
 * Runs startTracing() in a fresh process with `env`, then `then` (ESM, `tracing` in scope), and returns
 * the @opentelemetry and interceptor modules that process loaded.
 */
async function inFreshProcess(env: NodeJS.ProcessEnv, then = ''): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    const { startTracing } = await import(${JSON.stringify(path.join(repoRoot, 'lib/tracing.ts'))});
    const tracing = startTracing('auditflow-api');
    ${then}
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => /@opentelemetry|interceptors-opentelemetry/.test(file));
    console.log(JSON.stringify({ loaded }));
    await tracing?.shutdown();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: string[] }).loaded;
}

describe('tracing', () => {
  it('is on only with an OTLP endpoint, and OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none turn it off', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(() => tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it('off, loads nothing of OpenTelemetry; on, starts the SDK', async () => {
    expect(await inFreshProcess({})).toEqual([]);
    const loaded = await inFreshProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(loaded.some((file) => file.includes('sdk-trace-node'))).toBe(true);
  });

  it('exports protobuf by default and JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, redacted either way', async () => {
    const received: Array<{ path?: string; type?: string; body: Buffer }> = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const span = `
      const { trace } = await import('@opentelemetry/api');
      trace.getTracer('t').startActiveSpan('unit-span', (span) => { span.setAttribute('url.full', 'https://h/p?sig=unit-s3cret'); span.end(); });`;
    try {
      await inFreshProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, span);
      await inFreshProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, span);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
    expect(received.map((r) => [r.path, r.type])).toEqual([
      ['/v1/traces', 'application/x-protobuf'],
      ['/v1/traces', 'application/json'],
    ]);
    for (const { body } of received) {
      expect(body.toString('latin1')).toContain('unit-span');
      expect(body.toString('latin1')).toContain('https://h/p');
      expect(body.toString('latin1')).not.toContain('unit-s3cret');
    }
    expect(() => tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
    );
  });

  it('cuts query strings, fragments and user info off every URL, and a bare path’s query', () => {
    const sas = 'sv=2025-01-05&sr=c&sp=cw&sig=Zm9vYmFyYmF6cXV4%2Bsecret%3D';
    expect(redactText(`https://acct.blob.core.windows.net/c/mondoo/a.jsonl?${sas}`)).toBe('https://acct.blob.core.windows.net/c/mondoo/a.jsonl');
    expect(redactText(`PUT failed for http://user:pw@127.0.0.1:10000/acct/c/x?${sas}#frag (403)`)).toBe('PUT failed for http://127.0.0.1:10000/acct/c/x (403)');
    expect(redactText(`/acct/c/x?${sas}`)).toBe('/acct/c/x');
    expect(redactText('RunActivity:upload')).toBe('RunActivity:upload');
  });

  it('drops header, query and structured attributes', () => {
    expect(
      redactAttributes({
        'http.url': 'https://h/p?sig=x',
        'url.query': 'sig=x',
        'http.request.header.authorization': ['Bearer x'],
        authorization: 'Bearer x',
        memo: { integration: { name: 'n' } } as never,
        'http.status_code': 201,
        tags: ['a', 'b'],
      }),
    ).toEqual({ 'http.url': 'https://h/p', 'http.status_code': 201, tags: ['a', 'b'] });
  });

  it('redacts a whole span: name, status, attributes, events', () => {
    const context = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
    const span = {
      name: 'GET',
      kind: 2,
      spanContext: () => context,
      parentSpanId: 'c'.repeat(16),
      startTime: [1, 0],
      endTime: [2, 0],
      status: { code: 2, message: 'failed: https://h/p?sig=s3cret' },
      attributes: { 'url.full': 'https://h/p?sig=s3cret' },
      links: [],
      events: [{ name: 'exception', time: [1, 5], attributes: { 'exception.message': 'at https://h/p?sig=s3cret' } }],
      duration: [1, 0],
      ended: true,
      resource: {} as never,
      instrumentationLibrary: { name: 'x' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } as ReadableSpan;
    const redacted = redactSpan(span);
    expect(JSON.stringify({ ...redacted, context: redacted.spanContext() })).not.toContain('s3cret');
    expect(redacted.spanContext()).toBe(context);
    expect(redacted.parentSpanId).toBe(span.parentSpanId);
  });
});
