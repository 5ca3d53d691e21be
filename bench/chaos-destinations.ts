// The destination side of the chaos run, one per store: its emulator (bench/store-emulators.ts: the same
// start-up code as the tests and `npm start`), a fresh bucket or container, a fault proxy in front of it
// that fails part of the requests (5xx, or written but the response dropped), and readers that go
// straight to the emulator, for the completeness check and `verify` at the end.
// bench/chaos.ts drives whichever one `--destination` names the same way.
import { createFaultProxy, type FaultKind } from '../sandbox/faults';
import { sinkConnector, type RegisteredDestinationConfig } from '../activities/sinks/registry';
import type { ObjectReader } from '../activities/sinks/sink';
import { startStoreEmulator, STORE_TYPES, type StoreType } from './store-emulators';

export const CHAOS_DESTINATION_TYPES = STORE_TYPES;
export type ChaosDestinationType = StoreType;

export interface ChaosDestinationOptions {
  /** Object-name prefix (the source's). */
  prefix: string;
  /** Share of requests the fault proxy fails. */
  faultRate: number;
  seed: number;
  /** Emulator data and logs. */
  dataDir: string;
  /** A running GCS emulator to use (the tests'); otherwise the run starts its own. */
  gcsEndpoint?: string;
}

export interface ChaosDestination {
  type: ChaosDestinationType;
  /** Bucket or container. */
  bucket: string;
  /** The integration's `destination`: through the fault proxy. */
  config: RegisteredDestinationConfig;
  /** The connector's own reader straight to the emulator, with the same credentials: for `verify` at the end. */
  reader: ObjectReader;
  /** The same, for reading every object back in the completeness check. */
  bulkReader: ObjectReader;
  /** Faults injected so far, by kind. */
  faults(): Record<FaultKind, number>;
  close(): Promise<void>;
}

export async function createChaosDestination(type: ChaosDestinationType, options: ChaosDestinationOptions): Promise<ChaosDestination> {
  const store = await startStoreEmulator(type, { dataDir: options.dataDir, gcsEndpoint: options.gcsEndpoint });
  try {
    // S3's SigV4 signs the Host header: it goes through unchanged (GCS's emulator gets its own, as before).
    const proxy = await createFaultProxy({
      target: new URL(store.url).origin,
      preserveHost: type !== 'gcs',
      policy: { rate: options.faultRate, kinds: ['5xx', 'drop-response'], seed: options.seed + 1 },
    });
    return {
      type,
      bucket: store.bucket,
      config: store.destination(options.prefix, store.endpointVia(proxy.url)),
      reader: sinkConnector(type).openReader(store.destination(options.prefix)),
      bulkReader: store.reader,
      faults: () => ({ ...proxy.policy.injected }),
      async close() {
        await proxy.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
