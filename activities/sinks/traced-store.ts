// Every object write as a span of its own (`object write`), under the upload activity's span, whatever
// the store's SDK does underneath (its HTTP requests are spans too where node:http or fetch carries
// them). Without a tracer provider (tracing off) these are @opentelemetry/api's no-op spans.
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ObjectStore } from './sink';

const tracer = trace.getTracer('auditflow');

async function inSpan<T>(name: string, attributes: Record<string, string | number>, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      // The message only: our errors name the object and the store, never a credential.
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `store` with a span around each create-only write and each same-bytes check; attributes name the object, never the credentials. */
export function tracedStore(store: ObjectStore, destinationType: string): ObjectStore {
  const where = (name: string) => ({ 'auditflow.destination.type': destinationType, 'auditflow.object.url': store.urlOf(name) });
  return {
    urlOf: (name) => store.urlOf(name),
    createOnly: (name, body, options) =>
      inSpan('object write', { ...where(name), 'auditflow.object.bytes': body.length }, async (span) => {
        const outcome = await store.createOnly(name, body, options);
        span.setAttribute('auditflow.object.outcome', outcome);
        return outcome;
      }),
    holdsSameBytes: (name, body) => inSpan('object compare', where(name), () => store.holdsSameBytes(name, body)),
  };
}
