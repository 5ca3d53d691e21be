// Names the API's HTTP server span (made by lib/tracing.ts's http instrumentation, which knows only the
// method) by its Express route once the response is sent: `POST /v1/integrations/:id/run`, with the
// route template as `http.route`, never the ids. Without tracing there is no recording span: nothing.
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

export const traceRoute: RequestHandler = (req, res, next) => {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) {
    res.once('finish', () => {
      const path = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof path !== 'string') return; // no route matched (a 404): the method stays the name
      const route = `${req.baseUrl}${path === '/' && req.baseUrl ? '' : path}`;
      span.setAttribute('http.route', route);
      span.updateName(`${req.method} ${route}`);
    });
  }
  next();
};
