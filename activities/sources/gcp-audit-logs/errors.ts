// Turns what Cloud Logging answered into an ExportError a person can act on. Never echoes a token:
// only the status, Google's own short message and the resources read.
import { ExportError } from '../../errors';
import { safeHost } from '../source-fetch';
import { googleErrorSchema } from './types';

export interface LoggingErrorContext {
  resourceNames: readonly string[];
  endpoint: string;
  /** Data Access logs are selected: they need roles/logging.privateLogViewer as well. */
  readsDataAccess: boolean;
}

/** What to grant, for every message that names a permission problem. */
export function roleFix(ctx: Pick<LoggingErrorContext, 'resourceNames' | 'readsDataAccess'>): string {
  const where = ctx.resourceNames.length === 1 ? ctx.resourceNames[0] : `each of ${describeResources(ctx.resourceNames)}`;
  const dataAccess = ctx.readsDataAccess
    ? ' and roles/logging.privateLogViewer (Data Access logs are private logs)'
    : ' (add roles/logging.privateLogViewer only if you select the data_access logs)';
  return `Grant the integration's principal roles/logging.viewer on ${where}${dataAccess}; the export resumes at its next run.`;
}

function describeResources(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Google's `status: message`, short and on one line; empty if the body is not Google's error JSON. */
function googleSays(body: string): string {
  try {
    const parsed = googleErrorSchema.safeParse(JSON.parse(body));
    if (parsed.success) {
      const { status, message } = parsed.data.error;
      return [status, message?.replace(/\s+/g, ' ').slice(0, 300)].filter(Boolean).join(': ');
    }
  } catch {
    /* not JSON */
  }
  return '';
}

export function classifyLoggingResponse(status: number, body: string, ctx: LoggingErrorContext): ExportError {
  const said = googleSays(body);
  const http = said ? `HTTP ${status} ${said}` : `HTTP ${status}`;
  if (status === 429) {
    // RESOURCE_EXHAUSTED comes without Retry-After: the client backs off by itself.
    return new ExportError('SourceRateLimited', `Cloud Logging read quota exhausted (${http}); auditflow slows down and retries`, { retryable: true });
  }
  if (status >= 500 || status === 408) {
    return new ExportError('SourceUnavailable', `Cloud Logging unavailable (${http})`, { retryable: true });
  }
  if (status === 401) {
    return new ExportError(
      'SourceAuth',
      `Cloud Logging rejected the access token (${http}). Check the integration's credentials: the service-account key may be deleted or disabled, ` +
        `or the workload identity binding removed.`,
      { retryable: false },
    );
  }
  if (status === 403) {
    if (/SERVICE_DISABLED|has not been used|is disabled/i.test(said)) {
      return new ExportError(
        'SourceScope',
        `Cloud Logging refused the read (${http}). Enable the Cloud Logging API (logging.googleapis.com) in the project that owns the credentials.`,
        {
          retryable: false,
        },
      );
    }
    return new ExportError('SourceScope', `Cloud Logging denied reading the audit logs (${http}). ${roleFix(ctx)}`, { retryable: false });
  }
  if (status === 404) {
    return new ExportError(
      'SourceScope',
      `Cloud Logging does not know ${describeResources(ctx.resourceNames)} (${http}). Check resourceNames. ${roleFix(ctx)}`,
      {
        retryable: false,
      },
    );
  }
  if (status === 400) {
    return new ExportError(
      'SourceQueryFailed',
      `Cloud Logging rejected the query (${http}). Check the integration's filter: it must be valid Logging query language.`,
      {
        retryable: false,
      },
    );
  }
  return new ExportError('SourceProtocol', `Cloud Logging answered ${http} at ${safeHost(ctx.endpoint)}`, { retryable: true });
}

export function classifyLoggingNetworkError(error: unknown, endpoint: string): ExportError {
  if (error instanceof ExportError) return error;
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') {
    return new ExportError('SourceTimeout', `Cloud Logging did not answer in time (${safeHost(endpoint)})`, { retryable: true });
  }
  const detail = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
  return new ExportError('SourceUnavailable', `Cannot reach Cloud Logging at ${safeHost(endpoint)} (${detail})`, { retryable: true });
}

/**
 * A failure to get an access token, as a source error: the GCS credentials code names it for a
 * destination (DestinationAuth / DestinationUnavailable); the message, which names the fix, stays.
 */
export function asSourceCredentialError(error: unknown): unknown {
  if (!(error instanceof ExportError)) return error;
  if (error.kind === 'DestinationAuth') return new ExportError('SourceAuth', error.message, { retryable: false });
  if (error.kind === 'DestinationUnavailable')
    return new ExportError('SourceUnavailable', error.message, { retryable: true, retryAfterMs: error.retryAfterMs });
  return error;
}
