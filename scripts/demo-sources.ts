// The other sources of `npm start`'s sandbox, beside the demo's Mondoo: a fake Endor Labs API and a fake
// Cloud Logging API, each with a generated history and a new event every few seconds, served in the start
// process. No integration reads them until you create one: the banner prints, per source, the request that
// does (working sandbox credentials included), so each source can be tried without an account.
import { buildAuditLog, createFakeEndorLabs, type FakeEndorLabs } from '../sandbox/endorlabs';
import { mulberry32 } from '../sandbox/faults';
import { buildEntries, createFakeCloudLogging, nanosOf, type FakeCloudLogging } from '../sandbox/gcp-logging';

const HISTORY = 1_000;
const HISTORY_MS = 6 * 3_600_000;
const APPEND_EVERY_MS = 5_000;
const ENDOR_NAMESPACE = 'acme-sandbox';
const GCP_PROJECT = 'projects/acme-sandbox';

export interface SandboxSources {
  endorLabs: FakeEndorLabs;
  cloudLogging: FakeCloudLogging;
  /** `source` bodies of integrations that read each sandbox, by source type. */
  sources: { endorlabs: Record<string, unknown>; 'gcp-audit-logs': Record<string, unknown> };
  close(): Promise<void>;
}

export async function startSandboxSources(): Promise<SandboxSources> {
  // Not the histories' seeds: replaying their sequence would give new events the histories' ids.
  const rand = mulberry32(14);
  const start = Date.now() - HISTORY_MS;
  const endorLabs = await createFakeEndorLabs();
  // The sandbox serves without authentication: an integration without credentials sends none to an
  // endpoint that is not Google's, so it reads this fake as it is.
  const cloudLogging = await createFakeCloudLogging({ requireAuth: false }).catch(async (error: unknown) => {
    await endorLabs.close();
    throw error;
  });
  endorLabs.store.generate(ENDOR_NAMESPACE, { count: HISTORY, start, perSecond: (HISTORY * 1000) / HISTORY_MS, seed: 12 });
  cloudLogging.store.generate(GCP_PROJECT, { calls: HISTORY, start, perSecond: (HISTORY * 1000) / HISTORY_MS, seed: 13 });
  const appender = setInterval(() => {
    endorLabs.store.add([buildAuditLog(rand, { namespace: ENDOR_NAMESPACE, createMicros: Date.now() * 1000 })]);
    cloudLogging.store.add(buildEntries(rand, rand() < 0.7 ? 'activity' : 'system_event', { resourceName: GCP_PROJECT, nanos: nanosOf(Date.now()) }));
  }, APPEND_EVERY_MS);
  appender.unref();
  return {
    endorLabs,
    cloudLogging,
    sources: {
      endorlabs: { type: 'endorlabs', namespace: ENDOR_NAMESPACE, apiKey: endorLabs.apiKey, apiSecret: endorLabs.apiSecret, endpoint: endorLabs.url },
      'gcp-audit-logs': { type: 'gcp-audit-logs', resourceNames: [GCP_PROJECT], endpoint: cloudLogging.url },
    },
    async close() {
      clearInterval(appender);
      await Promise.all([endorLabs.close(), cloudLogging.close()]);
    },
  };
}
