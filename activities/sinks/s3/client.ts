// An S3 client for one destination: access keys, a role assumed with auditflow's web identity token, or
// the worker's ambient AWS credentials, which never go to an endpoint an integration chose unless the
// operator trusts it.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { openedSecret, type SealedSecret } from '../../../lib/sealing';
import { ExportError } from '../../errors';
import { isWebIdentity, type S3DestinationConfig } from './schema';
import { settingsFrom } from '../../../lib/settings';
import { webIdentityCredentials } from './web-identity';

/** Custom endpoints (origins, comma-separated) that may receive the worker's ambient AWS credentials. */
export const S3_TRUSTED_ENDPOINTS_VAR = 'AUDITFLOW_S3_TRUSTED_ENDPOINTS';

/** Bounded waits: a request that has not connected in 10 s or answered in 2 min is retried. */
const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Why ambient credentials may not be used for this destination, or undefined when they may. Whoever
 * creates an integration chooses its endpoint: the worker's own identity would sign for them.
 */
export function ambientEndpointProblem(destination: S3DestinationConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (destination.credentials || !destination.endpoint) return undefined;
  const trusted = new Set((settingsFrom(env).AUDITFLOW_S3_TRUSTED_ENDPOINTS ?? []).map(originOf));
  if (trusted.has(originOf(destination.endpoint))) return undefined;
  return (
    `The integration has no credentials and its endpoint ${originOf(destination.endpoint)} is not trusted with the worker's ambient AWS credentials. ` +
    `Create the integration with access keys, or have the operator list the endpoint in ${S3_TRUSTED_ENDPOINTS_VAR}.`
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * `integrationId`: whose web identity subject signs (web identity credentials only; one client per
 * integration, since the SDK caches the assumed role's credentials in the client).
 */
export function createS3Client(destination: S3DestinationConfig, env: NodeJS.ProcessEnv = process.env, integrationId?: string): S3Client {
  const problem = ambientEndpointProblem(destination, env);
  if (problem) throw new ExportError('InvalidConfig', problem, { retryable: false });
  const config: S3ClientConfig = {
    region: destination.region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    // We send Content-MD5 (hashed natively) on every write. The SDK's default CRC32 is hashed in
    // JavaScript, and several S3-compatible stores reject its x-amz-checksum-* / trailer headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (destination.endpoint) config.endpoint = destination.endpoint;
  if (destination.forcePathStyle !== undefined) config.forcePathStyle = destination.forcePathStyle;
  const { credentials } = destination;
  if (isWebIdentity(credentials)) {
    if (!integrationId) throw new ExportError('InvalidConfig', 'Web identity credentials need the integration id.', { retryable: false });
    config.credentials = webIdentityCredentials(credentials, { integrationId, region: destination.region, env });
  } else if (credentials) {
    config.credentials = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: openedSecret(credentials.secretAccessKey as string | SealedSecret, 'destination.credentials.secretAccessKey'),
      ...(credentials.sessionToken !== undefined
        ? { sessionToken: openedSecret(credentials.sessionToken as string | SealedSecret, 'destination.credentials.sessionToken') }
        : {}),
    };
  }
  // Without credentials the SDK's default chain finds the worker's ambient ones.
  return new S3Client(config);
}
