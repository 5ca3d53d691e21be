// Inputs recorded before connectors existed, when every integration exported Mondoo to GCS. Running
// workflows and retried activities still hand these shapes in; this module is the one place that
// reads them, so that workflow code and the generic activities stay free of any one connector.
import type { MapInput, MapSource } from './activities';
import type { ConnectorFacts } from './connector-config';

/** The source type of every input recorded before `source.type` picked a connector. */
export const LEGACY_SOURCE_TYPE = 'mondoo';

const MONDOO_ORG_MRN_PREFIX = '//captain.api.mondoo.app/organizations/';
const MONDOO_SPACE_MRN_PREFIX = '//captain.api.mondoo.app/spaces/';

/**
 * `platform`, `org-<id>` or `space-<id>`: the scope part of Mondoo object names. Frozen: running
 * exports keep numbering their objects under the name they began with, so the Mondoo connector uses
 * this very function, and changing it would rename the next object of every running export.
 */
export function mondooScopeSlug(scopeMrn: string): string {
  if (scopeMrn.startsWith(MONDOO_ORG_MRN_PREFIX)) return `org-${scopeMrn.slice(MONDOO_ORG_MRN_PREFIX.length)}`;
  if (scopeMrn.startsWith(MONDOO_SPACE_MRN_PREFIX)) return `space-${scopeMrn.slice(MONDOO_SPACE_MRN_PREFIX.length)}`;
  return 'platform';
}

interface LegacyConfig {
  connectorFacts?: ConnectorFacts;
  source: { type: string; scopeMrn?: unknown };
  destination: { type: string; bucket?: unknown };
}

/** The stored facts, or for an input from before they were stored (a Mondoo → GCS one) the same facts derived. */
export function connectorFactsOf(config: LegacyConfig): ConnectorFacts {
  if (config.connectorFacts) return config.connectorFacts;
  const scopeMrn = String(config.source.scopeMrn);
  return { scopeSlug: mondooScopeSlug(scopeMrn), scopeId: scopeMrn, objectUrlBase: `gs://${String(config.destination.bucket)}/` };
}

/** The map input's source; before connectors only a Mondoo `scopeMrn`. */
export function mapSourceOf(input: MapInput): MapSource {
  return input.source ?? { type: LEGACY_SOURCE_TYPE, scopeId: String(input.scopeMrn) };
}
