// Which custom endpoints may receive the worker's ambient Azure identity (apart from the client, which
// loads the Azure SDK: the check runs where the store is opened, before any of it is loaded).
import { settingsFrom } from '../../../lib/settings';
import type { AzureBlobDestinationConfig } from './schema';

/** Custom endpoints (origins, comma-separated) that may receive the worker's ambient Azure tokens. */
export const AZURE_TRUSTED_ENDPOINTS_VAR = 'AUDITFLOW_AZURE_TRUSTED_ENDPOINTS';

/**
 * Why ambient credentials may not be used for this destination, or undefined when they may. Whoever
 * creates an integration chooses its endpoint: the worker's own identity would hand it a token.
 */
export function ambientEndpointProblem(destination: AzureBlobDestinationConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (destination.credentials || !destination.endpoint) return undefined;
  const trusted = new Set((settingsFrom(env).AUDITFLOW_AZURE_TRUSTED_ENDPOINTS ?? []).map(originOf));
  if (trusted.has(originOf(destination.endpoint))) return undefined;
  return (
    `The integration has no credentials and its endpoint ${originOf(destination.endpoint)} is not trusted with the worker's ambient Azure identity. ` +
    `Create the integration with credentials, or have the operator list the endpoint in ${AZURE_TRUSTED_ENDPOINTS_VAR}.`
  );
}

function originOf(url: string): string {
  return URL.parse(url)?.origin ?? url;
}
