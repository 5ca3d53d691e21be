// The connection test (POST /v1/connection-tests): one real read of at most one record from the
// source, one real create-only write of a small probe object to the destination. Runs on the worker,
// which holds the key that opens sealed secrets, the trusted-endpoint settings and the ambient
// credentials an export would use: the test proves what an export would meet. A failure is reported,
// never thrown, with the message an export would give.
import { performance } from 'node:perf_hooks';
import type { ConnectionTestInput, ConnectionTestResult, ProbeOutcome } from '../contracts/connection-test';
import type { DestinationConfig, SourceConfig } from '../contracts/connector-config';
import { ExportError } from './errors';
import { sinkConnector } from './sinks/registry';
import { sourceConnector } from './sources/registry';

/** Each probe gets this long; a source or store that hangs is reported as such, not waited for. */
export const PROBE_TIMEOUT_MS = 30_000;

async function timed(what: string, body: (signal: AbortSignal) => Promise<string>): Promise<ProbeOutcome> {
  const started = performance.now();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new ExportError('SourceTimeout', `${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`, { retryable: true }));
    }, PROBE_TIMEOUT_MS);
  });
  try {
    const message = await Promise.race([body(abort.signal), timeout]);
    return { ok: true, message, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error), latencyMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

async function probeSource(config: SourceConfig, signal: AbortSignal): Promise<string> {
  const connector = sourceConnector(config.type);
  const { scopeId } = connector.scope(connector.view(config));
  try {
    await connector.probe(config, { requestTimeoutMs: PROBE_TIMEOUT_MS, signal });
  } catch (error) {
    // The connectors' own errors already say what to change; anything else is classified as a fetch would.
    throw error instanceof ExportError ? error : connector.classifyError(error, config);
  }
  return `Read the ${config.type} audit log of ${scopeId}`;
}

async function probeDestination(config: DestinationConfig, name: string): Promise<string> {
  const store = sinkConnector(config.type).open(config);
  // A real create-only write: the only way to prove a create-only (objectCreator-style) permission.
  const body = Buffer.from(`${JSON.stringify({ auditflow: 'connection test', at: new Date().toISOString() })}\n`);
  await store.createOnly(name, body);
  return `Wrote ${store.urlOf(name)} (create-only; a credential that may only create objects cannot delete it)`;
}

/** `input`'s secrets opened already (activities/index.ts unseals it). */
export async function testConnection(input: ConnectionTestInput): Promise<ConnectionTestResult> {
  const { source, destination, probeObjectName } = input;
  const [sourceOutcome, destinationOutcome] = await Promise.all([
    source && timed('The source', (signal) => probeSource(source, signal)),
    destination && timed('The destination', () => probeDestination(destination, probeObjectName ?? `${destination.prefix}.auditflow/connection-test`)),
  ]);
  return { ...(sourceOutcome ? { source: sourceOutcome } : {}), ...(destinationOutcome ? { destination: destinationOutcome } : {}) };
}
