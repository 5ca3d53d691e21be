// OpenTelemetry tracing of the worker and the API, on only when an OTLP endpoint is set
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTLP over HTTP, protobuf or JSON. Off, nothing of the SDK is even
// loaded: the packages are required here, lazily, and the rest of the code only calls
// @opentelemetry/api, whose tracer is a no-op while no provider is registered.
//
// On, one trace runs from the API's HTTP request through the Temporal client (StartWorkflow), the
// workflow (RunWorkflow, StartActivity, in the bundle's interceptors, exported through a sink so the
// workflow stays deterministic; a run's end ends the trace, see workflows/trace-continuation.ts), the activities (RunActivity) to every source request (fetch: undici's
// diagnostics channels) and object write (our `object write` spans and the SDKs' node:http requests).
// Every span passes through redactSpan() before it is exported: no query string (Azure SAS tokens,
// signed URLs), no user info, no header, no structured value.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage } from 'node:http';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { settingsFrom } from './settings';
import { AUDITFLOW_VERSION } from './version';

const require = createRequire(import.meta.url);

export interface Tracing {
  /** For every Temporal Client the process makes: StartWorkflow, SignalWorkflow, … spans carry the trace into headers. */
  clientInterceptors: ClientInterceptors;
  /** For the workflow bundle (worker/bundle-workflows.ts): the SDK's workflow interceptors, then workflows/trace-continuation.ts. */
  workflowInterceptorModules: string[];
  /** For Worker.create: activity interceptors, the activities' client's interceptors, the sink that exports workflow spans. */
  workerOptions: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** Exports what is buffered; the process calls it before it exits. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces (an endpoint, and neither OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const settings = settingsFrom(env);
  if (settings.OTEL_SDK_DISABLED) return false;
  if (settings.OTEL_TRACES_EXPORTER?.split(',').some((name) => name.trim() === 'none')) return false;
  return Boolean(settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * The workflow interceptors tracing bundles: the SDK's (spans of the workflow and the activities it
 * schedules; context carried in headers), then ours, which sees the header theirs adds.
 */
export function tracingWorkflowInterceptorModules(): string[] {
  return [
    require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
    fileURLToPath(new URL('../workflows/trace-continuation.ts', import.meta.url)),
  ];
}

/** Probes and metrics scrapes are not traced: they would drown the requests that matter. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Starts the SDK when tracing is enabled, else returns undefined having loaded nothing. Call it first
 * in a process's main(), before it makes HTTP requests or Temporal clients.
 */
export function startTracing(serviceName: 'auditflow-worker' | 'auditflow-api', env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { Resource, envDetectorSync } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const otel = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');

  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over our defaults.
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName, 'service.version': AUDITFLOW_VERSION }))
    .merge(envDetectorSync.detect());
  // The exporter reads the endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_*; the
  // encoding is OpenTelemetry's default, protobuf, unless the protocol variables say JSON.
  const settings = settingsFrom(env);
  const protocol = settings.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? settings.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  const { OTLPTraceExporter } = (
    protocol === 'http/json' ? require('@opentelemetry/exporter-trace-otlp-http') : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const processor = new RedactingSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register(); // the AsyncLocalStorage context manager and the W3C propagator Temporal's headers use

  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
        // An outgoing request outside any span (a token refresh in the background) is noise, not a trace.
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  // The http instrumentation patches node:http and node:https when they are required (CJS); this process
  // is ESM, so require them now to have them patched, and copy the patched functions to the ESM bindings
  // that `import … from 'node:https'` (the Azure SDK, Express) read.
  require('node:http');
  require('node:https');
  (require('node:module') as typeof import('node:module')).syncBuiltinESMExports();

  const interceptorOptions = { tracer: provider.getTracer('@temporalio/interceptors-opentelemetry') };
  const clientInterceptors: ClientInterceptors = { workflow: [new otel.OpenTelemetryWorkflowClientInterceptor(interceptorOptions)] };
  return {
    clientInterceptors,
    workflowInterceptorModules: tracingWorkflowInterceptorModules(),
    workerOptions: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx, interceptorOptions),
            outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
        // The client activities use to signal their workflow (retry reports).
        client: clientInterceptors,
      },
      // Workflow spans are made in the sandbox and handed out through this sink (not called on replay).
      sinks: { exporter: otel.makeWorkflowExporter(processor, resource) },
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Hands every span to `inner` as redactSpan() leaves it. */
class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}
  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(redactSpan(span));
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** Header values (credentials among them) are never span attributes, even if an instrumentation is told to record them. */
const HEADER_ATTRIBUTE = /^http\.(request|response)\.header\.|authorization|cookie/i;
/** Attributes that are nothing but a query string. */
const QUERY_ATTRIBUTES = new Set(['url.query', 'http.query']);
/** `scheme://user:password@host/path?query#fragment` inside any text: keeps scheme, host and path. */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@"'<>]*@)?([^\s?#"'<>]*)(?:\?[^\s#"'<>]*)?(?:#[^\s"'<>]*)?/gi;

/** A text with every URL's user info, query and fragment cut off, and a bare path's query (`http.target`). */
export function redactText(text: string): string {
  const urls = text.replace(URL_IN_TEXT, '$1$2');
  return urls.startsWith('/') ? urls.replace(/[?#].*$/s, '') : urls;
}

function redactValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item) => item === null || item === undefined || ['string', 'number', 'boolean'].includes(typeof item))) {
    return value.map((item) => (typeof item === 'string' ? redactText(item) : item)) as AttributeValue;
  }
  // Objects (the workflow sink adds the whole WorkflowInfo, memo included) are not valid attributes anyway.
  return undefined;
}

/** Attributes without headers or query strings, and only the primitive values OpenTelemetry defines. */
export function redactAttributes(attributes: Attributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (HEADER_ATTRIBUTE.test(key) || QUERY_ATTRIBUTES.has(key)) continue;
    const redacted = redactValue(value);
    if (redacted !== undefined) out[key] = redacted;
  }
  return out;
}

/** The span as exported: name, status message, attributes and events' attributes (exception messages) redacted. */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const context = span.spanContext();
  return {
    name: redactText(span.name),
    kind: span.kind,
    spanContext: () => context,
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status.message === undefined ? span.status : { ...span.status, message: redactText(span.status.message) },
    attributes: redactAttributes(span.attributes),
    links: span.links.map((link) => ({ ...link, attributes: redactAttributes(link.attributes) })),
    events: span.events.map((event) => ({ ...event, name: redactText(event.name), attributes: redactAttributes(event.attributes) })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
