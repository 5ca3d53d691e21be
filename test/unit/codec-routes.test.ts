// The remote codec endpoint as the Temporal UI calls it: CORS preflight, bearer auth, JSON payloads.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecEndpointUrl, codecPathKeyEnabled, localStackCodecPathKey, createCodecRouter, payloadsFromJson, payloadsToJson } from '../../api/codec-routes';
import { EncryptionCodec } from '../../lib/codec';

const UI = 'http://127.0.0.1:8233';
const TOKENS = ['current-api-token', 'previous-api-token'];
const SECRET = 'sa-private-key-material-7Hc2';

describe('POST /codec/decode and /codec/encode', () => {
  const codec = new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use('/codec', createCodecRouter({ codec, tokens: TOKENS, uiOrigin: UI, allowPathKey: true }));
    app.use('/strict', createCodecRouter({ codec, tokens: TOKENS, uiOrigin: [UI] }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'auditflow', ...headers },
      body: JSON.stringify(body),
    });
  const bearer = (token = TOKENS[0]!) => ({ authorization: `Bearer ${token}` });

  it('answers the UI preflight with CORS for its origin, including X-Namespace and Authorization', async () => {
    const res = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const other = await fetch(`${base}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('decodes what the codec encoded, in the UI format (base64 metadata and data), for any valid token', async () => {
    const original = defaultPayloadConverter.toPayload({ token: SECRET });
    const encoded = payloadsToJson(await codec.encode([original]));
    for (const token of TOKENS) {
      const res = await post('/codec/decode', { payloads: encoded }, { ...bearer(token), origin: UI });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI);
      const { payloads } = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
      expect(defaultPayloadConverter.fromPayload(payloadsFromJson(payloads)[0]!)).toEqual({ token: SECRET });
    }
  });

  it('encodes for the UI (signals sent from it), and decode reverses it', async () => {
    const plain = payloadsToJson([defaultPayloadConverter.toPayload('from the UI')]);
    const encoded = (await (await post('/strict/encode', { payloads: plain }, bearer())).json()) as { payloads: unknown[] };
    expect(JSON.stringify(encoded)).toContain(Buffer.from('binary/encrypted').toString('base64'));
    const decoded = (await (await post('/strict/decode', encoded, bearer())).json()) as { payloads: unknown[] };
    expect(decoded).toEqual({ payloads: plain });
  });

  it('refuses requests without a valid bearer token, with CORS headers so the UI can show why', async () => {
    const missing = await post('/codec/decode', { payloads: [] }, { origin: UI });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('access-control-allow-origin')).toBe(UI);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await post('/codec/decode', { payloads: [] }, bearer('nope'))).status).toBe(401);
  });

  it('serves a path-key URL for a UI that cannot send a token, only when allowed, never with the token in it', async () => {
    const url = new URL(codecEndpointUrl(base, TOKENS[1]!));
    expect(url.pathname).not.toContain(TOKENS[1]);
    const encoded = payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(42)]));
    const res = await post(`${url.pathname}/decode`, { payloads: encoded });
    expect(res.status).toBe(200);
    expect((await post(`/codec/k/${'A'.repeat(43)}/decode`, { payloads: encoded })).status).toBe(401);
    expect((await post(`/strict/k/${url.pathname.split('/').pop()}/decode`, { payloads: encoded })).status).toBe(404);
  });

  it('takes `{}` as no payloads, as the temporal CLI sends an empty list (protojson omits it)', async () => {
    const res = await post('/codec/decode', {}, bearer());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ payloads: [] });
  });

  it('answers malformed input with 400 and a reason, and a payload under an unknown key likewise', async () => {
    expect((await post('/codec/decode', { nope: 1 }, bearer())).status).toBe(400);
    const bad = await fetch(`${base}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: '{' });
    expect(bad.status).toBe(400);
    const foreign = payloadsToJson(await new EncryptionCodec([{ id: 'other', key: randomBytes(32) }]).encode([defaultPayloadConverter.toPayload(1)]));
    const res = await post('/codec/decode', { payloads: foreign }, bearer());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/key id "other"/);
  });
});

describe('the codec path key (AUDITFLOW_CODEC_PATH_KEY)', () => {
  const dev = { AUDITFLOW_UI_ORIGINS: 'http://127.0.0.1:8233,http://localhost:8233', AUDITFLOW_PUBLIC_URL: 'http://127.0.0.1:8080' };

  it('is off unless asked for', () => {
    expect(codecPathKeyEnabled({}, '127.0.0.1')).toBe(false);
    expect(codecPathKeyEnabled({ ...dev, AUDITFLOW_CODEC_PATH_KEY: '0' }, '127.0.0.1')).toBe(false);
    expect(() => codecPathKeyEnabled({ AUDITFLOW_CODEC_PATH_KEY: 'yes' }, '127.0.0.1')).toThrow(/must be 1 or 0/);
  });

  it('serves the local dev stack on loopback', () => {
    expect(codecPathKeyEnabled({ ...dev, AUDITFLOW_CODEC_PATH_KEY: '1' }, '127.0.0.1')).toBe(true);
    expect(codecPathKeyEnabled({ AUDITFLOW_CODEC_PATH_KEY: '1', AUDITFLOW_UI_ORIGINS: 'http://[::1]:8233' }, '::1')).toBe(true);
  });

  it('is on by default only under start with its own dev server', () => {
    expect(localStackCodecPathKey({}, true)).toBe('1');
    expect(localStackCodecPathKey({ AUDITFLOW_CODEC_PATH_KEY: '0' }, true)).toBe('0');
    expect(localStackCodecPathKey({}, false)).toBe('0');
    expect(localStackCodecPathKey({ AUDITFLOW_CODEC_PATH_KEY: '1' }, false)).toBe('1'); // asked for: the API's own check decides
  });

  it('is refused at start-up wherever anyone but this machine could reach the UI or the API', () => {
    const on = { ...dev, AUDITFLOW_CODEC_PATH_KEY: '1' };
    expect(() => codecPathKeyEnabled(on, '0.0.0.0')).toThrow(/only for the local dev stack on loopback, but the API listens on 0.0.0.0/);
    expect(() => codecPathKeyEnabled({ ...on, AUDITFLOW_UI_ORIGINS: 'https://temporal.example.com' }, '127.0.0.1')).toThrow(
      /AUDITFLOW_UI_ORIGINS allows https:\/\/temporal.example.com.*passAccessToken/,
    );
    expect(() => codecPathKeyEnabled({ ...on, AUDITFLOW_PUBLIC_URL: 'https://auditflow.example.com' }, '127.0.0.1')).toThrow(/AUDITFLOW_PUBLIC_URL/);
  });
});
