// The source client against endpoints that redirect or never stop sending: a redirect is an error that
// names where it pointed (never followed), and a body past the cap is an error as soon as the cap is
// passed, without the rest being read.
import { afterEach, describe, expect, it } from 'vitest';
import { ExportError } from '../../activities/errors';
import { fetchNewEvents } from '../../activities/fetch';
import { MondooAuditLogClient } from '../../activities/sources/mondoo/client';
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES_VAR, maxResponseBytesFrom } from '../../activities/sources/source-fetch';
import { createHostileSource, type HostileSource } from '../fakes/hostile-source';

const SCOPE = '//captain.api.mondoo.app/organizations/acme-corp-2fjq8x1';

async function firstPage(url: string, maxResponseBytes?: number): Promise<unknown> {
  const client = new MondooAuditLogClient({ endpoint: url, token: 't', maxResponseBytes, attemptsPerPage: 1 });
  for await (const page of client.ascendingPages(SCOPE, null)) return page;
  return undefined;
}

describe('source fetch', () => {
  let source: HostileSource | undefined;
  afterEach(async () => {
    await source?.close();
    source = undefined;
  });

  it('does not follow a redirect: a non-retryable error names the new location, never its query', async () => {
    source = await createHostileSource({ mode: 'redirect' });
    const error = await firstPage(source.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect(error).toMatchObject({ kind: 'SourceRedirected', retryable: false });
    const moved = source.url.replace('/query', '/moved');
    expect((error as Error).message).toContain(`HTTP 302, a redirect to ${moved};`);
    expect((error as Error).message).not.toContain('redirect-secret-42');
    expect(source.followed).toBe(0);
    // The fetch activity ends with it too, rather than calling the empty page a finished pass.
    const fetched = await fetchNewEvents({
      source: { type: 'mondoo', scopeMrn: SCOPE, endpoint: source.url, token: 't' },
      watermark: null,
      recentKeys: {},
      maxEvents: 100,
      maxBytes: 1 << 20,
      lateArrivalSeconds: 360,
    }).catch((e: unknown) => e);
    expect(fetched).toMatchObject({ kind: 'SourceRedirected' });
  });

  it('stops reading a body past the cap: a clear non-retryable error, and the rest is never sent', async () => {
    source = await createHostileSource({ mode: 'huge', hugeBytes: 200 * 1024 * 1024 });
    const cap = 1024 * 1024;
    const before = process.memoryUsage();
    const error = await firstPage(source.url, cap).catch((e: unknown) => e);
    const after = process.memoryUsage();
    expect(error).toMatchObject({ kind: 'SourceResponseTooLarge', retryable: false });
    expect((error as Error).message).toBe(
      `the Mondoo API sent a response of more than ${cap} bytes, more than the ${cap} bytes auditflow reads (${MAX_RESPONSE_BYTES_VAR}). ` +
        'Check that the source endpoint is the API itself; raise the setting only if its pages really are that large.',
    );
    // What left the server is the cap plus what socket buffers hold: nowhere near the 200 MB body.
    await new Promise((r) => setTimeout(r, 200));
    expect(source.bytesSent).toBeLessThan(cap + 16 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared Content-Length past the cap before reading the body', async () => {
    source = await createHostileSource({ mode: 'huge-declared', hugeBytes: 50 * 1024 * 1024 });
    const error = await firstPage(source.url).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'SourceResponseTooLarge', retryable: false });
    expect((error as Error).message).toContain(`a response of ${50 * 1024 * 1024} bytes, more than the ${DEFAULT_MAX_RESPONSE_BYTES} bytes`);
    await new Promise((r) => setTimeout(r, 200));
    expect(source.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('reads the cap from the worker environment, refusing nonsense', () => {
    expect(maxResponseBytesFrom({})).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(maxResponseBytesFrom({ [MAX_RESPONSE_BYTES_VAR]: '8388608' })).toBe(8 * 1024 * 1024);
    expect(() => maxResponseBytesFrom({ [MAX_RESPONSE_BYTES_VAR]: '4MB' })).toThrow(/positive whole number of bytes/);
  });
});
