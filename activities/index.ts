// The activities the worker registers, built from their dependencies.
import { createHash } from 'node:crypto';
import { Context, log, type Info } from '@temporalio/activity';
import { createUnsealer, loadSealingKeys, UnsealError, type Unsealed, type Unsealer } from '../lib/sealing';
import type { DestinationConfig } from '../contracts/connector-config';
import type { FetchInput, MapInput, MapResult, UploadInput } from '../contracts/activities';
import type { ConnectionTestInput, ConnectionTestResult } from '../contracts/connection-test';
import { testConnection } from './connection-test';
import { asActivity, ExportError } from './errors';
import { fetchNewEvents, type FetchDeps } from './fetch';
import { heartbeatWhileRunning } from './keep-alive';
import { mapToOcsfFiles } from './map';
import { count } from './metrics';
import { reportingRetries } from './retry-report';
import { sinkConnector } from './sinks/registry';
import { inSpan } from './spans';
import type { ObjectStore } from './sinks/sink';
import { tracedStore } from './sinks/traced-store';
import { uploadObjects, type ManifestSigner } from './upload';
import { publicUrlFrom } from '../lib/wif';
import { loadOidcSigningKeys } from '../lib/wif-keys';

export interface ActivityDeps {
  fetch?: FetchDeps;
  /** Opens sealed secrets (lib/sealing.ts). Default: from AUDITFLOW_SEALING_KEYS or the development key. */
  unsealer?: Unsealer;
  /** Signs batch manifests. Default: the OIDC issuer's keys (AUDITFLOW_OIDC_SIGNING_KEYS or the development key) and AUDITFLOW_PUBLIC_URL. */
  manifestSigner?: ManifestSigner;
  /** Maps a batch, in the fetch that maps or the map activity (injectable to test a failing map). Default: mapToOcsfFiles. */
  mapBatch?: (input: MapInput) => Promise<MapResult>;
}

export function createActivities(deps: ActivityDeps = {}) {
  const unsealer = deps.unsealer ?? createUnsealer(loadSealingKeys());
  /** Secrets are opened here, just before use, and never returned or logged. */
  const unseal = async <T>(value: T): Promise<Unsealed<T>> => {
    try {
      return await unsealer.unsealAll(value);
    } catch (error) {
      // Retryable: another worker of a rolling deployment may hold the key; the run's retry bound ends it.
      if (error instanceof UnsealError) throw new ExportError('InvalidConfig', error.message, { retryable: true });
      throw error;
    }
  };
  // Loaded at the first manifest, as workload identity loads them at its first token.
  let signer = deps.manifestSigner;
  const manifestSigner = () => (signer ??= { issuer: publicUrlFrom(), keys: loadOidcSigningKeys({ log: { warn: (message: string) => log.warn(message) } }) });
  const mapBatch = deps.mapBatch ?? mapToOcsfFiles;
  /** The map inside the fetch (FetchInput.mapTo) as a span of its own, so a trace still shows a batch's map step. */
  const mapInFetch = (input: MapInput) =>
    inSpan('map to OCSF', { 'auditflow.events': 'events' in input ? input.events.length : 0 }, async (span) => {
      const result = await mapBatch(input);
      span.setAttribute('auditflow.files', result.files.length);
      return result;
    });
  // One store per destination, so access tokens are cached and connections reused.
  const stores = new Map<string, ObjectStore>();
  const storeFor = (destination: DestinationConfig): ObjectStore => {
    const id = createHash('sha256').update(JSON.stringify(destination)).digest('hex');
    let store = stores.get(id);
    if (!store) {
      store = tracedStore(sinkConnector(destination.type).open(destination), destination.type);
      stores.set(id, store);
    }
    return store;
  };

  return {
    async fetch(input: FetchInput) {
      return asActivity(() =>
        reportingRetries(async () => {
          // A pause or delete cancels the activity (seen at its next heartbeat): stop reading at once.
          const { info, cancellationSignal } = Context.current();
          const result = await fetchNewEvents(
            { ...input, source: await unseal(input.source) },
            { ...timeBoundsOf(info), signal: cancellationSignal, mapBatch: mapInFetch, ...deps.fetch },
          );
          const events = 'events' in result ? result.events.length : result.count;
          log.info('fetched', { events, scanned: result.scanned, pages: result.pages, exhausted: result.exhausted });
          count('auditflow_events_fetched', events);
          return result;
        }),
      );
    },
    /** The connection test: never throws for a failing source or destination, it reports it. */
    async testConnection(input: ConnectionTestInput): Promise<ConnectionTestResult> {
      let opened: ConnectionTestInput;
      try {
        opened = await unsealer.unsealAll(input);
      } catch (error) {
        if (!(error instanceof UnsealError)) throw error;
        const failed = { ok: false, message: error.message, latencyMs: 0 };
        return { ...(input.source ? { source: failed } : {}), ...(input.destination ? { destination: failed } : {}) };
      }
      const result = await testConnection(opened);
      log.info('connection tested', { source: result.source?.ok, destination: result.destination?.ok });
      return result;
    },
    async map(input: MapInput) {
      // Executions from before the fetch mapped (MAP_IN_FETCH_PATCH) still call it.
      return asActivity(async () => mapBatch(input));
    },
    async upload(input: UploadInput) {
      return asActivity(() =>
        reportingRetries(async () => {
          const stopHeartbeats = heartbeatWhileRunning(Context.current());
          const result = await uploadObjects(input, storeFor(await unseal(input.destination)), manifestSigner).finally(stopHeartbeats);
          const alreadyPresent = result.objects.filter((o) => o.alreadyExisted).length;
          log.info('uploaded', { objects: result.objects.map((o) => o.name), alreadyPresent });
          count('auditflow_objects_written', result.objects.length - alreadyPresent);
          count('auditflow_objects_already_present', alreadyPresent);
          count(
            'auditflow_events_exported',
            input.objects.reduce((sum, o) => sum + o.events, 0),
          );
          return result;
        }),
      );
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * A fetch reads for at most half its start-to-close timeout and returns what it has, so a slow source
 * still yields progress; no single request outlasts two thirds of the heartbeat timeout (the fetch
 * heartbeats before every request), so a hung request fails the page rather than the whole attempt.
 */
function timeBoundsOf(info: Info): Pick<FetchDeps, 'timeBudgetMs' | 'requestTimeoutMs'> {
  return {
    timeBudgetMs: info.startToCloseTimeoutMs / 2,
    requestTimeoutMs: Math.floor(Math.min(30_000, info.heartbeatTimeoutMs ? (info.heartbeatTimeoutMs * 2) / 3 : 30_000)),
  };
}
