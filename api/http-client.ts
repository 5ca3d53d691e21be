// A minimal client of the HTTP API over fetch, for scripts (ctl, the demo): the API's error shape
// becomes an ApiRequestError carrying the API's own message.
import type { ErrorDetail } from './errors';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export class ApiRequestError extends Error {
  constructor(
    message: string,
    /** Undefined when the API could not be reached at all. */
    readonly status?: number,
    readonly code?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface ApiHttpClient {
  baseUrl: string;
  /** The parsed JSON body of a 2xx answer; otherwise throws ApiRequestError. */
  request<T = unknown>(method: string, path: string, body?: string | object): Promise<T>;
}

export function createApiHttpClient(options: { baseUrl?: string; token: string; timeoutMs?: number }): ApiHttpClient {
  const baseUrl = (options.baseUrl || DEFAULT_API_URL).replace(/\/+$/, '');
  return {
    baseUrl,
    async request<T>(method: string, path: string, body?: string | object): Promise<T> {
      const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method,
          headers,
          body: typeof body === 'object' ? JSON.stringify(body) : body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new ApiRequestError(`cannot reach the API at ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (response.ok) return parsed as T;
      const apiError = (parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
      throw new ApiRequestError(apiError?.message ?? (text.trim() || response.statusText), response.status, apiError?.code, apiError?.details ?? []);
    },
  };
}
