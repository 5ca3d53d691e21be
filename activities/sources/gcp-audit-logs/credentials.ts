// Access tokens for Cloud Logging from the same three kinds of credentials the GCS destination takes,
// through the GCS destination's own code (one place that builds, caches and explains Google tokens),
// asking for the logging.read scope instead of storage's.
import { createHash } from 'node:crypto';
import type { GoogleAuth } from 'google-auth-library';
import { gcsAuthFor } from '../../sinks/gcs/credentials';
import type { GcpAuditLogsSourceConfig } from './schema';
import { CLOUD_LOGGING_DEFAULT_ENDPOINT, LOGGING_READ_SCOPE } from './types';

const MAX_CACHED = 64;
/** One GoogleAuth per credentials and endpoint: it keeps its token until shortly before expiry. */
const cache = new Map<string, GoogleAuth | undefined>();

/**
 * A function that returns `Bearer` material for Cloud Logging, or undefined when no credentials may be
 * sent (ambient credentials to an endpoint the operator does not trust: AUDITFLOW_GCS_TRUSTED_ENDPOINTS).
 */
export function loggingAccessToken(config: Pick<GcpAuditLogsSourceConfig, 'credentials' | 'endpoint'>): () => Promise<string | undefined> {
  // Google's own endpoint is no custom endpoint: ambient credentials may go there.
  const endpoint = config.endpoint.replace(/\/+$/, '') === CLOUD_LOGGING_DEFAULT_ENDPOINT ? undefined : config.endpoint;
  const id = createHash('sha256')
    .update(JSON.stringify([config.credentials ?? null, endpoint ?? null]))
    .digest('base64url');
  let auth = cache.get(id);
  if (!cache.has(id)) {
    auth = gcsAuthFor(
      { credentials: config.credentials, endpoint },
      { scopes: [LOGGING_READ_SCOPE], secretPath: 'source.credentials.serviceAccountJson', roleHint: 'roles/logging.viewer on the resources' },
    );
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(id, auth);
  }
  return async () => {
    if (!auth) return undefined;
    const { headers } = await auth.authorizeRequest({});
    const authorization = new Headers(headers as ConstructorParameters<typeof Headers>[0]).get('authorization');
    return authorization?.replace(/^Bearer\s+/i, '') ?? undefined;
  };
}
