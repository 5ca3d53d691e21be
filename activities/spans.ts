// Spans of the activities' own steps (an object write, the map inside the fetch), under the activity's
// span. Without a tracer provider (tracing off) these are @opentelemetry/api's no-op spans.
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('auditflow');

export async function inSpan<T>(name: string, attributes: Record<string, string | number>, run: (span: Span) => T | Promise<T>): Promise<T> {
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
