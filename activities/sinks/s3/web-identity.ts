// S3 credentials without a stored key: auditflow is the OIDC issuer (lib/wif.ts), as for GCS workload
// identity federation. The worker signs a short-lived token for the integration's own subject, audience
// sts.amazonaws.com, and STS AssumeRoleWithWebIdentity exchanges it for the role's temporary
// credentials. The S3 client asks again shortly before they expire (the SDK's identity cache), which
// mints a new token: nothing long-lived is stored anywhere.
import { AssumeRoleWithWebIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { AWS_STS_AUDIENCE, loadWifSettings, mintSubjectToken, wifSubjectFor, type WifSettings } from '../../../lib/wif';
import { ExportError } from '../../errors';
import type { S3WebIdentityCredentials } from './schema';

/** The AWS SDK's own variable for the STS endpoint (tests point it at a fake). */
export const AWS_ENDPOINT_URL_STS_VAR = 'AWS_ENDPOINT_URL_STS';
/** STS's default; the role's maximum session duration is at least this. */
const SESSION_SECONDS = 3600;

export interface WebIdentityContext {
  integrationId: string;
  region: string;
  env?: NodeJS.ProcessEnv;
  /** Default: loadWifSettings({ env }) at the first exchange. */
  wif?: WifSettings;
}

/** What the trust policy of the role must say, derived from the issuer and the role's account. */
export function webIdentityTrust(issuer: string, roleArn: string, subject: string) {
  const providerHost = issuer.replace(/^https?:\/\//, '');
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '<account>';
  const partition = /^arn:([^:]+):/.exec(roleArn)?.[1] ?? 'aws';
  return { providerArn: `arn:${partition}:iam::${account}:oidc-provider/${providerHost}`, providerHost, subject };
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

/** A credential provider for the S3 client: every call mints a fresh token and assumes the role. */
export function webIdentityCredentials(credentials: S3WebIdentityCredentials, context: WebIdentityContext): () => Promise<TemporaryCredentials> {
  const env = context.env ?? process.env;
  const invalid = (message: string) => new ExportError('InvalidConfig', message, { retryable: false });
  let subject: string;
  try {
    subject = wifSubjectFor(context.integrationId);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const stsConfig: STSClientConfig = { region: context.region, maxAttempts: 3 };
  const endpoint = env[AWS_ENDPOINT_URL_STS_VAR];
  if (endpoint) stsConfig.endpoint = endpoint;
  const sts = new STSClient(stsConfig);
  let settings = context.wif;
  return async (): Promise<TemporaryCredentials> => {
    try {
      settings ??= loadWifSettings({ env, log: console });
    } catch (error) {
      throw invalid(`The worker cannot sign web identity tokens: ${(error as Error).message}`);
    }
    const token = await mintSubjectToken(settings, { subject, audience: AWS_STS_AUDIENCE });
    let answer;
    try {
      answer = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: credentials.roleArn,
          // Shown in CloudTrail beside every write: which integration it was.
          RoleSessionName: `auditflow-${context.integrationId}`.slice(0, 64),
          WebIdentityToken: token,
          DurationSeconds: SESSION_SECONDS,
        }),
      );
    } catch (error) {
      throw stsFailure(error, credentials.roleArn, settings, subject, endpoint);
    }
    const issued = answer.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
      throw new ExportError('DestinationUnavailable', 'STS answered AssumeRoleWithWebIdentity without credentials; will retry.', { retryable: true });
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      ...(issued.Expiration ? { expiration: issued.Expiration } : {}),
    };
  };
}

/** STS's error codes (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors). */
const RETRYABLE_STS_ERRORS = new Set(['IDPCommunicationError', 'Throttling', 'ThrottlingException', 'ServiceUnavailable', 'InternalFailure', 'RequestTimeout']);

function stsFailure(error: unknown, roleArn: string, wif: WifSettings, subject: string, endpoint: string | undefined): ExportError {
  const e = error as { name?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const rawCode = typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' ? e.name : undefined;
  // The SDK names modeled errors `…Exception` (InvalidIdentityTokenException); the wire code has no suffix except ExpiredTokenException.
  const code = rawCode === 'ExpiredTokenException' ? rawCode : rawCode?.replace(/Exception$/, '');
  const said = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ') || 'no answer';
  const where = endpoint ? `STS at ${endpoint}` : 'AWS STS';
  const trust = webIdentityTrust(wif.issuer, roleArn, subject);
  if (code && RETRYABLE_STS_ERRORS.has(code)) {
    return new ExportError('DestinationUnavailable', `${where} could not exchange auditflow's identity token (${said}); will retry.`, { retryable: true });
  }
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return new ExportError('DestinationUnavailable', `${where} did not answer AssumeRoleWithWebIdentity for ${roleArn} (${said}); will retry.`, {
      retryable: true,
    });
  }
  if (code === 'AccessDenied') {
    return new ExportError(
      'DestinationAuth',
      `${where} refused to let ${subject} assume ${roleArn} (${said}). The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the ` +
        `federated principal ${trust.providerArn} on the conditions "${trust.providerHost}:aud" = "${AWS_STS_AUDIENCE}" and "${trust.providerHost}:sub" = "${subject}" ` +
        `(aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json, see the README), then run the export again.`,
      { retryable: false },
    );
  }
  if (code === 'InvalidIdentityToken' || code === 'IDPRejectedClaim' || code === 'ExpiredTokenException') {
    const clock = code === 'ExpiredTokenException' ? ' The token was new, so check the worker clock.' : '';
    return new ExportError(
      'DestinationAuth',
      `${where} rejected auditflow's identity token for ${roleArn} (${said}).${clock} The account needs an IAM OIDC provider ${trust.providerArn} ` +
        `(aws iam create-open-id-connect-provider --url ${wif.issuer} --client-id-list ${AWS_STS_AUDIENCE}) whose issuer serves its JWKS at ${wif.issuer}/.well-known/jwks.json.`,
      { retryable: false },
    );
  }
  if (code === 'RegionDisabled') {
    return new ExportError('InvalidConfig', `STS is not activated in the integration's region (${said}): activate it in IAM → Account settings.`, {
      retryable: false,
    });
  }
  return new ExportError('InvalidConfig', `${where} refused AssumeRoleWithWebIdentity for ${roleArn} (${said}). Check the roleArn.`, { retryable: false });
}
