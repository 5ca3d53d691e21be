// One HTTP exchange with Endor Labs, bounded: a timeout, a cap on the response body, and no redirects
// (a redirect could carry the bearer token or the API secret to another host).
import { ExportError } from '../../errors';

export interface BoundedResponse {
  status: number;
  headers: Headers;
  body: string;
}

export class ResponseTooLargeError extends ExportError {
  constructor(limit: number) {
    super('SourceProtocol', `Endor Labs sent more than ${limit} bytes for one page`, { retryable: false });
  }
}

export interface BoundedRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
}

export async function boundedFetch(url: string, request: BoundedRequest): Promise<BoundedResponse> {
  const response = await fetch(url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(Math.max(1, Math.floor(request.timeoutMs))),
  });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > request.maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(request.maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > request.maxBytes) {
        await reader.cancel();
        throw new ResponseTooLargeError(request.maxBytes);
      }
      chunks.push(value);
    }
  }
  return { status: response.status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
}
