// Where a service-account key's signed assertion may go: the rule the API validates with and the worker
// enforces (one rule, so a key the API accepts never fails at the first upload for it).
import { settingsFrom } from '../../../lib/settings';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google's own token endpoints as key files name them (older files name the accounts.google.com one). */
export const GOOGLE_TOKEN_URIS = new Set([GOOGLE_TOKEN_URI, 'https://accounts.google.com/o/oauth2/token']);
/** Token endpoints besides Google's that may receive a key's signed assertion (comma-separated URLs). */
export const TRUSTED_TOKEN_URIS_VAR = 'AUDITFLOW_GCP_TRUSTED_TOKEN_URIS';

/**
 * Whether the worker may send a key file's signed assertion to its `token_uri`: Google's, or one the
 * operator lists in AUDITFLOW_GCP_TRUSTED_TOKEN_URIS. Anyone who may create an integration chooses the
 * key file, so an arbitrary token_uri would make the worker POST to any URL they like.
 */
export function isTrustedTokenUri(tokenUri: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const uri = normalizedUrl(tokenUri);
  if (uri === undefined) return false;
  if (GOOGLE_TOKEN_URIS.has(uri)) return true;
  return (settingsFrom(env).AUDITFLOW_GCP_TRUSTED_TOKEN_URIS ?? []).some((entry) => normalizedUrl(entry) === uri);
}

/** The reason a key file's token_uri is refused, for the API's validation and the worker's; undefined if it is fine. */
export function tokenUriProblem(tokenUri: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (tokenUri === undefined || isTrustedTokenUri(tokenUri, env)) return undefined;
  return `token_uri must be Google's token endpoint ${GOOGLE_TOKEN_URI}; the worker sends a key's signed assertion nowhere else unless its operator lists the URL in ${TRUSTED_TOKEN_URIS_VAR}`;
}

export function normalizedUrl(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}
