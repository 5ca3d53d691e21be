// Turns what Endor Labs answered into an ExportError a person can act on. Never echoes the key, the
// secret or a token: only the status, the server's own short message and the namespace.
import { ExportError } from '../../errors';
import { safeHost } from '../source-fetch';

export type EndorStage = 'auth' | 'list';

export interface EndorErrorContext {
  stage: EndorStage;
  namespace: string;
  endpoint: string;
}

const KEY_FIX =
  'Check that the API key and secret were copied whole, that the key is not expired (Endor Labs keys last 30 to 90 days), revoked or disabled, ' +
  'and that it belongs to the tenant of the namespace; re-enable it or create a read-only API key under Access Control > API Keys.';

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The server's `message` (grpc-gateway shape), short and on one line; empty if there is none. */
function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed?.message === 'string') return parsed.message.replace(/\s+/g, ' ').slice(0, 200);
  } catch {
    /* not JSON */
  }
  return '';
}

export function classifyEndorResponse(status: number, headers: Headers, body: string, ctx: EndorErrorContext): ExportError {
  const said = serverMessage(body);
  const httpStatus = said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
  if (status === 429) {
    return new ExportError('SourceRateLimited', `Endor Labs rate limit reached (${httpStatus})`, {
      retryable: true,
      retryAfterMs: parseRetryAfter(headers.get('retry-after')),
    });
  }
  if (status >= 500 || status === 408) {
    return new ExportError('SourceUnavailable', `Endor Labs API unavailable (HTTP ${status})`, { retryable: true });
  }
  if (ctx.stage === 'auth') {
    if (status === 400 || status === 401 || status === 403) {
      return new ExportError('SourceAuth', `Endor Labs rejected the API key and secret (${httpStatus}). ${KEY_FIX}`, { retryable: false });
    }
    return new ExportError('SourceProtocol', `Endor Labs authentication failed (${httpStatus}) at ${safeHost(ctx.endpoint)}`, { retryable: status !== 404 });
  }
  if (status === 401) {
    return new ExportError('SourceAuth', `Endor Labs rejected a freshly issued token (${httpStatus}). ${KEY_FIX}`, { retryable: false });
  }
  if (status === 403 || status === 404) {
    return new ExportError(
      'SourceScope',
      `Endor Labs refused the audit logs of namespace "${ctx.namespace}" (${httpStatus}). Check the namespace, and give the API key ` +
        `read-only permission in it (or propagate a parent namespace's key to its child namespaces).`,
      { retryable: false },
    );
  }
  if (status === 400) {
    return new ExportError('SourceProtocol', `Endor Labs rejected the audit-log query (${httpStatus})`, { retryable: false });
  }
  return new ExportError('SourceProtocol', `Endor Labs answered ${httpStatus}`, { retryable: true });
}

export function classifyEndorNetworkError(error: unknown, endpoint: string): ExportError {
  if (error instanceof ExportError) return error;
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new ExportError('SourceTimeout', `Endor Labs API did not answer in time (${safeHost(endpoint)})`, { retryable: true });
  }
  const detail = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
  return new ExportError('SourceUnavailable', `Cannot reach the Endor Labs API at ${safeHost(endpoint)} (${detail})`, { retryable: true });
}
