// The remote codec the Temporal UI (and `temporal --codec-endpoint`) calls to show encrypted payloads:
// POST {endpoint}/decode and /encode with {"payloads": [{metadata: {k: base64}, data: base64}]}.
// Behind the API's bearer tokens; CORS lets the UI's origin call it from the browser.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import cors from 'cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { settingsFrom } from '../lib/settings';
import { bearerAuth } from './auth';
import { ApiError, parseOr400, sendError } from './errors';

export interface CodecRouterOptions {
  codec: PayloadCodec;
  /** AUDITFLOW_API_TOKEN's tokens: the same bearer auth as the API. */
  tokens: readonly string[];
  /** Origin(s) of the Temporal UI, e.g. http://127.0.0.1:8233; others get no CORS headers. */
  uiOrigin?: string | readonly string[];
  /**
   * Also serve /k/<codecPathKey(token)>/{decode,encode}: for a UI that cannot send a bearer token (the
   * dev server's UI has no login, and its CLI has no flag to pass one). The key derives from an API
   * token but opens only this codec, never the rest of the API.
   */
  allowPathKey?: boolean;
  /** Largest request body; a UI page of history can carry many payloads. */
  bodyLimit?: string | number;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const codecRequestSchema = z.strictObject({
  // Go clients (the temporal CLI) send protojson, which omits an empty list: `{}` means no payloads.
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })).default([]),
});
type JsonPayload = { metadata?: Record<string, string>; data?: string };

/** The derived key in a codec URL: HMAC of an API token, so the URL never carries the token itself. */
export function codecPathKey(token: string): string {
  return createHmac('sha256', token).update('auditflow remote codec').digest('base64url');
}

/** The URL to give the Temporal UI (`--ui-codec-endpoint`) when it cannot send a bearer token. */
export function codecEndpointUrl(apiBaseUrl: string, token: string, mountPath = '/codec'): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}${mountPath}/k/${codecPathKey(token)}`;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
const isLoopbackUrl = (url: string) => {
  const parsed = URL.parse(url);
  return parsed !== null && isLoopbackHost(parsed.hostname);
};

/**
 * Whether to serve the codec under a path key (AUDITFLOW_CODEC_PATH_KEY=1). Only the local dev stack
 * may: its UI has no login and runs on loopback, where the key in the UI's settings and in `ps` reaches
 * no one else. Anywhere else the key would hand the codec to whoever reaches the UI, so asking for it
 * there is refused at start-up rather than quietly honoured. (Sealed secrets stay sealed through it.)
 */
export function codecPathKeyEnabled(env: NodeJS.ProcessEnv, listenHost: string): boolean {
  const settings = settingsFrom(env);
  if (settings.AUDITFLOW_CODEC_PATH_KEY !== '1') return false;
  const publicUrl = settings.AUDITFLOW_PUBLIC_URL;
  const exposed = [
    ...(isLoopbackHost(listenHost) ? [] : [`the API listens on ${listenHost}`]),
    ...(publicUrl && !isLoopbackUrl(publicUrl) ? [`AUDITFLOW_PUBLIC_URL is ${publicUrl}`] : []),
    ...(settings.AUDITFLOW_UI_ORIGINS ?? []).filter((o) => !isLoopbackUrl(o)).map((o) => `AUDITFLOW_UI_ORIGINS allows ${o}`),
  ];
  if (exposed.length > 0) {
    throw new Error(
      `AUDITFLOW_CODEC_PATH_KEY=1 is only for the local dev stack on loopback, but ${exposed.join(' and ')}. ` +
        'Unset it and let the Temporal UI send a bearer token to /codec (the UI\'s codec.passAccessToken; see README, "The Temporal UI and the codec").',
    );
  }
  return true;
}

/**
 * What `start` gives the API: the path key for its own dev server's UI (loopback, no login); with a
 * server of the user's (TEMPORAL_ADDRESS) off unless asked for, since that UI is not ours.
 */
export function localStackCodecPathKey(env: NodeJS.ProcessEnv, ownDevServer: boolean): string {
  return settingsFrom(env).AUDITFLOW_CODEC_PATH_KEY ?? (ownDevServer ? '1' : '0');
}

export function payloadsFromJson(payloads: JsonPayload[]): Payload[] {
  return payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
}

export function payloadsToJson(payloads: Payload[]): JsonPayload[] {
  return payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  }));
}

export function createCodecRouter(options: CodecRouterOptions): Router {
  const { codec } = options;
  const origins = new Set(typeof options.uiOrigin === 'string' ? [options.uiOrigin] : (options.uiOrigin ?? []));
  const router = Router();

  // CORS first, so preflights and errors alike carry the headers the browser needs to read them.
  router.use(
    cors({
      origin: [...origins],
      credentials: true,
      methods: ['POST', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      maxAge: 600,
    }),
  );

  const body = express.json({ limit: options.bodyLimit ?? '16mb' });
  const handle =
    (direction: 'encode' | 'decode'): RequestHandler =>
    async (req, res, next) => {
      try {
        const { payloads } = parseOr400(codecRequestSchema, req.body, 'codec request');
        const input = payloadsFromJson(payloads as JsonPayload[]);
        const output = direction === 'encode' ? await codec.encode(input) : await codec.decode(input);
        res.set('Cache-Control', 'no-store').json({ payloads: payloadsToJson(output) });
      } catch (error) {
        if (error instanceof ApiError) return next(error);
        // CodecError messages name key ids, never keys; anything else is the client's bad payload.
        next(new ApiError(400, 'codec_failed', `Cannot ${direction} the payloads: ${(error as Error).message}`));
      }
    };

  const auth = bearerAuth(options.tokens);
  router.post('/decode', auth, body, handle('decode'));
  router.post('/encode', auth, body, handle('encode'));

  if (options.allowPathKey) {
    const keys = options.tokens.map((token) => Buffer.from(codecPathKey(token)));
    const pathKeyAuth: RequestHandler = (req, _res, next) => {
      const offered = Buffer.from(String(req.params.key ?? ''));
      let ok = false;
      for (const key of keys) ok = (key.length === offered.length && timingSafeEqual(key, offered)) || ok;
      next(ok ? undefined : new ApiError(401, 'unauthorized', 'This codec URL is not valid'));
    };
    router.post('/k/:key/decode', pathKeyAuth, body, handle('decode'));
    router.post('/k/:key/encode', pathKeyAuth, body, handle('encode'));
  }

  const errors: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
    if (error instanceof ApiError) return sendError(res, error);
    if (type === 'entity.too.large') return sendError(res, new ApiError(413, 'payload_too_large', 'The request body is too large'));
    if (typeof status === 'number' && status < 500) return sendError(res, new ApiError(400, 'invalid_json', 'The request body is not valid JSON'));
    next(error);
  };
  router.use(errors);
  return router;
}
