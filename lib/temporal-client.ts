import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from './data-converter';
import { connectionOptions, type TemporalSettings } from './temporal-config';

/**
 * One connection and client for a process (API, scripts); the caller closes the connection. Payloads
 * are encrypted with createDataConverter() unless a data converter is given.
 */
export async function connectClient(
  settings: TemporalSettings,
  dataConverter: DataConverter = createDataConverter(),
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(connectionOptions(settings));
  const client = new Client({ connection, namespace: settings.namespace, dataConverter });
  return { client, connection };
}

/**
 * gRPC's own reconnect backoff grows to two minutes; a lazily connected process (the API) would then
 * notice a Temporal that came back only that late. Capped at a few seconds instead.
 */
export const FAST_RECONNECT_CHANNEL_ARGS = { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 4_000 };

export interface RetryConnectOptions {
  address: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Stops waiting (SIGTERM while Temporal is still away). */
  signal?: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Credentials Temporal refused, or a setting only an operator can fix (MissingSearchAttributesError):
 * retrying cannot help, so they fail start-up with the reason.
 */
function isPermanent(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown; permanent?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.permanent === true) return true;
    if (e.code === 16 || e.code === 7) return true; // UNAUTHENTICATED, PERMISSION_DENIED
    if (typeof e.message === 'string' && /\b(unauthenticated|permission ?denied)\b/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs `attempt` (connect, register, probe) until it succeeds, with capped exponential backoff, logging
 * what it waits for: a process started before Temporal (or while it restarts) waits instead of exiting.
 */
export async function retryUntilConnected<T>(who: string, attempt: () => Promise<T>, options: RetryConnectOptions): Promise<T> {
  const { address, log, signal } = options;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  let delayMs = options.initialDelayMs ?? 500;
  const since = Date.now();
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      const result = await attempt();
      if (n > 1) log.info({ address, attempts: n, waitedMs: Date.now() - since }, `${who}: Temporal at ${address} is reachable`);
      return result;
    } catch (error) {
      if (isPermanent(error) || signal?.aborted) throw error;
      const reason = error instanceof Error ? [error.message, (error.cause as Error | undefined)?.message].filter(Boolean).join(': ') : String(error);
      log.warn({ address, attempt: n, retryInMs: delayMs, reason }, `${who}: waiting for Temporal at ${address}`);
      await sleep(delayMs, undefined, { signal });
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}
