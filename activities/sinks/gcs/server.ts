import { normalizeGcsEndpoint } from './schema';

const GOOGLE_STORAGE = 'https://storage.googleapis.com';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The server behind an endpoint, spelled one way: the scheme does not matter (one port serves one of
 * them), default ports are explicit, every loopback name is the same host. Absent: Google's own.
 */
export function gcsServerOf(endpoint: string | undefined): string {
  const url = URL.parse(normalizeGcsEndpoint(endpoint ?? GOOGLE_STORAGE));
  if (!url) return endpoint ?? '';
  const host = LOOPBACK_HOSTS.has(url.hostname) ? 'loopback' : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${host}:${port}${url.pathname}`;
}
