// The HTTP fetch every source client uses: it never follows a redirect and never buffers more than a
// bounded number of response bytes, whatever the source (or whoever answers in its name) sends.
import { ExportError } from '../errors';
import { settingsFrom } from '../../lib/settings';

/** Worker setting: the most bytes one source response may have (after content decoding). */
export const MAX_RESPONSE_BYTES_VAR = 'AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES';
/**
 * A Mondoo page is at most 100 audit events, a few hundred KB of JSON even with long messages; 4 MiB
 * leaves ample room and bounds what one request can make the worker hold.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The cap from the worker's environment; a value that is not a positive whole number is refused. */
export function maxResponseBytesFrom(env: NodeJS.ProcessEnv = process.env): number {
  return settingsFrom(env).AUDITFLOW_SOURCE_MAX_RESPONSE_BYTES;
}

export interface SourceFetchOptions {
  /** Names the source in errors, e.g. "the Mondoo API". */
  service: string;
  maxResponseBytes: number;
}

/**
 * A `fetch` for source clients. A redirect is a non-retryable error that names where it pointed (a
 * followed 302 turns a POST into a GET whose empty answer looked like a finished export). A body past
 * the cap is a non-retryable error as soon as its bytes pass it: the stream is cancelled, which drops
 * the connection, so memory stays bounded whatever the body's size.
 */
export function sourceFetch(options: SourceFetchOptions): typeof fetch {
  const { service, maxResponseBytes } = options;
  const tooLarge = (what: string) =>
    new ExportError(
      'SourceResponseTooLarge',
      `${service} sent a response ${what}, more than the ${maxResponseBytes} bytes auditflow reads (${MAX_RESPONSE_BYTES_VAR}). ` +
        `Check that the source endpoint is the API itself; raise the setting only if its pages really are that large.`,
      { retryable: false },
    );
  return async (input, init) => {
    const response = await fetch(input, { ...init, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw redirected(service, response, String(input instanceof Request ? input.url : input));
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxResponseBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(`of ${declared} bytes`);
    }
    if (!response.body) return response;
    let received = 0;
    const capped = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          // Erroring the transform cancels the body upstream: nothing more is read.
          if (received > maxResponseBytes) controller.error(tooLarge(`of more than ${maxResponseBytes} bytes`));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(capped, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function redirected(service: string, response: Response, requestUrl: string): ExportError {
  const location = response.headers.get('location');
  let target = 'no Location header';
  if (location) {
    try {
      // Origin and path only: a query string may carry a token.
      const url = new URL(location, requestUrl);
      target = `${url.origin}${url.pathname}`;
    } catch {
      target = 'an unreadable Location header';
    }
  }
  return new ExportError(
    'SourceRedirected',
    `${service} answered HTTP ${response.status}, a redirect to ${target}; auditflow does not follow redirects from a source API. ` +
      `If that is the API, create the integration with it as the source endpoint.`,
    { retryable: false },
  );
}

/** The ExportError a source fetch raised, however the HTTP client wrapped it on its way up. */
export function sourceFetchError(error: unknown): ExportError | undefined {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ExportError) return e;
  }
  return undefined;
}

/** An endpoint's host for error messages: never its path or query, which can carry a token. */
export function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'the configured endpoint';
  }
}
