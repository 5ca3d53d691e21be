// No secret in plaintext anywhere: integrations with distinctive secrets are created through the API
// and exported (successfully and failing: wrong token, disabled key, unbound WIF, a wrong S3 secret with a session token, an S3 role
// that does not trust the integration, a rejected Entra client secret, a wrong Azure account key, a SAS without write), to GCS, S3
// (access keys; web identity through a fake STS whose session credentials are searched for too) and Azure Blob (service principal
// secret, workload identity federation through a fake Entra whose access tokens are searched for too, account key, SAS token). Then
// every event of every run's history (raw, without the codec, and decoded through the codec endpoint the Temporal UI
// uses: secrets are sealed to the workers' key), memos, search attributes, the worker's and the API's
// logs and every API response are searched for them, verbatim and base64-encoded. Zero hits. (Spans
// are searched the same way, with an Azure SAS token besides, by test/integration/tracing.test.ts.)
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createApp } from '../../api/app';
import { codecEndpointUrl, createCodecRouter, payloadsToJson } from '../../api/codec-routes';
import { createOidcRouter } from '../../api/oidc-routes';
import { ENCRYPTED_ENCODING } from '../../lib/codec';
import { REDACTED_PATHS } from '../../lib/logger';
import { wifPrincipalFor, wifSubjectFor } from '../../lib/wif';
import { workflowIdFor } from '../../workflows/definitions';
import { DESTINATION_CLAIM_WORKFLOW_TYPE } from '../../workflows/destination-claim';
import { AZURE_FEDERATION_AUDIENCE } from '../../activities/sinks/azure-blob/schema';
import { AWS_ENDPOINT_URL_STS_VAR } from '../../activities/sinks/s3/web-identity';
import { AWS_STS_AUDIENCE } from '../../lib/wif';
import { createS3SessionProxy, type S3SessionProxy } from '../fakes/aws/s3-session-proxy';
import { createFakeSts, type FakeSts } from '../fakes/aws/sts';
import { createFakeEntra, type FakeEntra } from '../fakes/azure/entra';
import { createAzureStorageProxy, type AzureStorageProxy } from '../fakes/azure/storage-proxy';
import { azuriteAccount, containerSas, createAzureTestContainer, policySas, setContainerPolicy } from '../helpers/azure';
import { serviceAccountEmail, startFakeGcpStack, type FakeGcp, type FakeGcpStack, type GcsAuthProxy } from '../fakes/gcp';
import { providerAudience, type TestIssuer } from '../fakes/gcp/issuer';
import { createFakeMondoo, orgMrn, type FakeMondoo } from '../../sandbox/mondoo';
import { createTestBucket } from '../helpers/gcs';
import { createS3TestBucket, createS3User, grantPutObject, S3_REGION } from '../helpers/s3';
import { forms } from '../helpers/secret-forms';
import { openTestEnv, startExportWorker, testDataConverter, type TestEnv } from '../helpers/temporal';

const { History } = proto.temporal.api.history.v1;
const { DescribeWorkflowExecutionResponse } = proto.temporal.api.workflowservice.v1;
const API_TOKEN = `api-token-${randomUUID()}`;
const MONDOO_TOKEN = `mondoo-secret-${randomUUID()}`;
const WRONG_MONDOO_TOKEN = `mondoo-wrong-${randomUUID()}`;
const ORG = 'acme-corp-2fjq8x1';

describe('secrets never in plaintext', () => {
  let env: TestEnv;
  let worker: { worker: Worker; running: Promise<void> };
  let mondoo: FakeMondoo;
  let gcp: FakeGcp;
  let proxy: GcsAuthProxy;
  let issuer: TestIssuer;
  let fakes: FakeGcpStack;
  let sts: FakeSts;
  let s3Sessions: S3SessionProxy;
  let entra: FakeEntra;
  let azureProxy: AzureStorageProxy;
  const roleUsers = new Map<string, { accessKeyId: string; secretAccessKey: string }>();
  let server: Server;
  let api: string;
  const workerLogs: string[] = [];
  const apiLogs: string[] = [];
  const responses: string[] = [];

  beforeAll(async () => {
    // Every log line of the worker (SDK, activities, workflow logger), captured before anything starts.
    Runtime.install({ logger: new DefaultLogger('DEBUG', (entry) => void workerLogs.push(inspect(entry, { depth: 12, breakLength: Infinity }))) });
    fakes = await startFakeGcpStack(inject('gcsEndpoint'));
    ({ gcp, proxy, issuer } = fakes);
    for (const [name, value] of Object.entries(issuer.env)) vi.stubEnv(name, value);
    // S3 web identity and Azure federation trust the same issuer; STS and Entra are found through the
    // worker's environment, as the AWS SDK and @azure/identity find them.
    sts = await createFakeSts();
    sts.addOidcProvider(issuer.issuer, [AWS_STS_AUDIENCE]);
    s3Sessions = await createS3SessionProxy({ target: inject('s3Endpoint'), sts, roles: () => roleUsers });
    entra = await createFakeEntra();
    azureProxy = await createAzureStorageProxy({ target: inject('azuriteEndpoint'), ...azuriteAccount(), entra });
    vi.stubEnv(AWS_ENDPOINT_URL_STS_VAR, sts.url);
    vi.stubEnv('AZURE_AUTHORITY_HOST', entra.authorityHost);
    env = await openTestEnv();
    worker = await startExportWorker(env);
    mondoo = await createFakeMondoo({ token: MONDOO_TOKEN, generated: { count: 250, start: '2025-06-01T00:00:00Z', perSecond: 4, seed: 41 } });

    // The API as it is deployed, plus the two routers of this change, logging through pino's redaction.
    const apiLog = pino(
      { name: 'api', level: 'debug', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
      { write: (line: string) => void apiLogs.push(line) },
    );
    const app = createApp({
      client: env.client,
      log: apiLog,
      settings: { taskQueue: env.settings.taskQueue, tokens: [API_TOKEN], bodyLimitBytes: 64 * 1024 },
      mounts: [
        {
          path: '/codec',
          router: createCodecRouter({
            codec: testDataConverter().payloadCodecs![0]!,
            tokens: [API_TOKEN],
            uiOrigin: 'http://127.0.0.1:8233',
            allowPathKey: true,
          }),
        },
        { path: '/', router: createOidcRouter({ issuer: issuer.issuer, keys: issuer.settings.keys }) },
      ],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.running;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await Promise.all([mondoo?.close(), fakes?.close(), s3Sessions?.close(), sts?.close(), azureProxy?.close(), entra?.close()]);
    await env?.close();
    vi.unstubAllEnvs();
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    responses.push(`${method} ${path} ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function until(id: string, done: (detail: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (let i = 0; i < 400; i++) {
      const { json } = await call('GET', `/v1/integrations/${id}`);
      if (done(json)) return json;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`integration ${id} never reached the expected state`);
  }

  it('finds none of them in history, memos, search attributes, logs or API responses', async () => {
    const ok = gcp.createServiceAccountKey(serviceAccountEmail('secret-ok'));
    const disabled = gcp.createServiceAccountKey(serviceAccountEmail('secret-disabled'));
    gcp.setKeyEnabled(disabled.keyId, false);
    const audience = providerAudience('555555555555');
    gcp.addOidcProvider(audience, issuer.issuer);
    const wifEmail = serviceAccountEmail('secret-wif');
    const source = (token: string) => ({ type: 'mondoo', scopeMrn: orgMrn(ORG), endpoint: mondoo.url, token });
    const destination = async (credentials: unknown) => ({
      type: 'gcs',
      bucket: await createTestBucket(),
      prefix: 'mondoo/',
      endpoint: proxy.url,
      credentials,
    });
    const s3Destination = async (credentials: unknown) => {
      const bucket = await createS3TestBucket();
      await grantPutObject(bucket, 'mondoo/', s3User.accessKeyId);
      return { type: 's3', bucket, region: S3_REGION, prefix: 'mondoo/', endpoint: inject('s3Endpoint'), forcePathStyle: true, credentials };
    };
    const s3User = await createS3User();
    const wrongS3Secret = { secretAccessKey: `s3-wrong-${randomUUID()}`, sessionToken: `s3-session-${randomUUID()}` };
    // Web identity: the role's sessions sign as a user of the S3 server of their own (the STS answer's
    // AccessKeyId and SecretAccessKey); the session proxy checks the SessionToken on every request.
    const roleUser = await createS3User();
    roleUsers.set(roleUser.accessKeyId, roleUser);
    let roles = 0;
    const roleFor = (subject: string) => {
      const roleArn = `arn:aws:iam::123456789012:role/auditflow/secrets-${++roles}`;
      sts.putRole({ roleArn, user: roleUser, trust: { issuer: issuer.issuer, audience: AWS_STS_AUDIENCE, subject } });
      return roleArn;
    };
    const webIdentityDestination = async (roleArn: string) => {
      const bucket = await createS3TestBucket();
      await grantPutObject(bucket, 'mondoo/', roleUser.accessKeyId);
      return { type: 's3', bucket, region: S3_REGION, prefix: 'mondoo/', endpoint: s3Sessions.url, forcePathStyle: true, credentials: { roleArn } };
    };
    const TENANT = randomUUID();
    const azureDestination = async (credentials: unknown, direct: boolean, prepare?: (container: string) => Promise<unknown>) => {
      const container = await createAzureTestContainer();
      await prepare?.(container);
      return {
        type: 'azure-blob',
        accountName: azuriteAccount().accountName,
        container,
        prefix: 'mondoo/',
        // Entra credentials go through the proxy that checks Entra's tokens; keys and SAS straight to Azurite.
        endpoint: direct ? inject('azuriteEndpoint') : azureProxy.url,
        credentials: typeof credentials === 'function' ? (credentials as (c: string) => unknown)(container) : credentials,
      };
    };
    const entraApp = (container: string) => {
      const clientId = randomUUID();
      entra.addApp(TENANT, clientId);
      azureProxy.assign(clientId, container, 'Storage Blob Data Contributor');
      return clientId;
    };
    const clientSecret = `entra-secret-${randomUUID()}`;
    const wrongClientSecret = `entra-wrong-${randomUUID()}`;
    const wrongAccountKey = randomBytes(64).toString('base64');
    const sasTokens: string[] = [];
    const sas = (token: string) => {
      sasTokens.push(token);
      return { sasToken: token };
    };
    const createWith = async (name: string, token: string, dest: unknown) => {
      const { status, json } = await call('POST', '/v1/integrations', { name, source: source(token), destination: dest, includeHistorical: true });
      expect(status, JSON.stringify(json)).toBe(201);
      return String(json.id);
    };
    const create = async (name: string, token: string, credentials: unknown, s3 = false) =>
      createWith(name, token, await (s3 ? s3Destination : destination)(credentials));

    const good = await create('key, good token', MONDOO_TOKEN, { serviceAccountJson: ok.json });
    const wrongToken = await create('wrong Mondoo token', WRONG_MONDOO_TOKEN, { serviceAccountJson: ok.json });
    const badKey = await create('disabled key', MONDOO_TOKEN, { serviceAccountJson: disabled.json });
    const wif = await create('wif', MONDOO_TOKEN, { wifAudience: audience, wifServiceAccountEmail: wifEmail });
    gcp.grantWorkloadIdentityUser(wifEmail, wifPrincipalFor(audience, wifSubjectFor(wif))!);
    const unbound = await create('wif, not bound', MONDOO_TOKEN, { wifAudience: audience, wifServiceAccountEmail: wifEmail });
    const s3Good = await create('S3 access keys', MONDOO_TOKEN, { ...s3User }, true);
    const s3Wrong = await create('S3 wrong secret', MONDOO_TOKEN, { accessKeyId: s3User.accessKeyId, ...wrongS3Secret }, true);
    // The role's trust policy names the integration's subject, known once it exists: trust it after creating.
    const s3Role = roleFor('not-yet');
    const s3WebIdentity = await createWith('S3 web identity', MONDOO_TOKEN, await webIdentityDestination(s3Role));
    sts.putRole({ roleArn: s3Role, user: roleUser, trust: { issuer: issuer.issuer, audience: AWS_STS_AUDIENCE, subject: wifSubjectFor(s3WebIdentity) } });
    const s3Untrusted = await createWith('S3 web identity, untrusted', MONDOO_TOKEN, await webIdentityDestination(roleFor('auditflow:integration:other')));
    let spClient = '';
    const azureSecret = await createWith(
      'Azure service principal',
      MONDOO_TOKEN,
      await azureDestination((container: string) => {
        spClient = entraApp(container);
        entra.addSecret(spClient, clientSecret);
        return { tenantId: TENANT, clientId: spClient, clientSecret };
      }, false),
    );
    const azureWrongSecret = await createWith(
      'Azure wrong client secret',
      MONDOO_TOKEN,
      await azureDestination((container: string) => ({ tenantId: TENANT, clientId: entraApp(container), clientSecret: wrongClientSecret }), false),
    );
    let wifClient = '';
    const azureWif = await createWith(
      'Azure workload identity federation',
      MONDOO_TOKEN,
      await azureDestination((container: string) => ((wifClient = entraApp(container)), { tenantId: TENANT, clientId: wifClient }), false),
    );
    entra.addFederatedCredential(wifClient, { issuer: issuer.issuer, subject: wifSubjectFor(azureWif), audience: AZURE_FEDERATION_AUDIENCE });
    const azureKey = await createWith('Azure account key', MONDOO_TOKEN, await azureDestination({ accountKey: azuriteAccount().accountKey }, true));
    const azureWrongKey = await createWith('Azure wrong account key', MONDOO_TOKEN, await azureDestination({ accountKey: wrongAccountKey }, true));
    const azureSas = await createWith('Azure SAS', MONDOO_TOKEN, await azureDestination((container: string) => sas(containerSas(container, 'cw')), true));
    const azureSasReadOnly = await createWith(
      'Azure SAS without write',
      MONDOO_TOKEN,
      await azureDestination(
        (container: string) => sas(policySas(container, 'exporter')),
        true,
        (container) => setContainerPolicy(container, 'exporter', 'rl'),
      ),
    );
    // A rejected create must not echo the secret it carried either.
    const rejected = await call('POST', '/v1/integrations', {
      name: 'x',
      source: source(MONDOO_TOKEN),
      destination: await destination({ serviceAccountJson: `{"private_key": "${MONDOO_TOKEN}` }),
    });
    expect(rejected.status).toBe(400);

    const completed = (d: Record<string, unknown>) => (d.lastRun as { outcome?: string } | undefined)?.outcome === 'completed';
    for (const id of [good, wif, s3Good, azureSecret, azureKey, azureSas])
      expect((await until(id, (d) => completed(d) || d.status === 'error')).status).toBe('active');
    // Trusted only once they existed, the keyless ones may have run before: then they recover on the next run.
    for (const id of [s3WebIdentity, azureWif]) {
      if ((await until(id, (d) => completed(d) || d.status === 'error')).status === 'error') await call('POST', `/v1/integrations/${id}/run`);
      await until(id, (d) => completed(d) && d.status === 'active');
    }
    for (const id of [wrongToken, badKey, unbound, s3Wrong, s3Untrusted, azureWrongSecret, azureWrongKey, azureSasReadOnly])
      expect((await until(id, (d) => d.status === 'error')).lastError).toBeDefined();
    await call('POST', `/v1/integrations/${good}/run`);
    await call('GET', '/v1/integrations');
    await call('GET', '/.well-known/jwks.json');
    // Each keyless path really went through its exchange (else there would be nothing of it to find).
    expect(sts.calls).toContain('OK');
    expect(sts.calls).toContain('AccessDenied');
    expect(s3Sessions.accepted).toContain(wifSubjectFor(s3WebIdentity));
    expect(azureProxy.accepted).toEqual(expect.arrayContaining([spClient, wifClient]));
    const ids = [
      good,
      wrongToken,
      badKey,
      wif,
      unbound,
      s3Good,
      s3Wrong,
      s3WebIdentity,
      s3Untrusted,
      azureSecret,
      azureWrongSecret,
      azureWif,
      azureKey,
      azureWrongKey,
      azureSas,
      azureSasReadOnly,
    ];
    for (const id of ids) await call('DELETE', `/v1/integrations/${id}`);
    for (const id of ids) await until(id, (d) => d.status === 'deleted');

    // Raw history and descriptions of every run, through a client without the codec (it could not
    // even list them: the memo does not decode without the key).
    const raw = new Client({ connection: env.connection, namespace: env.settings.namespace });
    const namespace = env.settings.namespace;
    await expect(
      raw.workflow
        .list({ query: `WorkflowId = "${workflowIdFor(good)}"` })
        [Symbol.asyncIterator]()
        .next(),
    ).rejects.toThrow(/Unknown encoding: binary\/encrypted/);
    const stored: Array<{ where: string; bytes: Buffer }> = [];
    const payloads: Array<{ where: string; payload: proto.temporal.api.common.v1.IPayload }> = [];
    let failures = 0;
    let claims = 0;
    for (const id of ids) {
      // Every run of the export, and the destination claim the API made for it.
      const query = `WorkflowId = "${workflowIdFor(id)}" OR (WorkflowType = "${DESTINATION_CLAIM_WORKFLOW_TYPE}" AND IntegrationId = "${id}")`;
      for await (const run of env.client.workflow.list({ query })) {
        if (run.type === DESTINATION_CLAIM_WORKFLOW_TYPE) claims++;
        const history = await raw.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        stored.push({ where: `history ${run.runId}`, bytes: Buffer.from(History.encode(history).finish()) });
        const described = await env.connection.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId: run.workflowId, runId: run.runId },
        });
        stored.push({ where: `describe ${run.runId}`, bytes: Buffer.from(DescribeWorkflowExecutionResponse.encode(described).finish()) });
        collectPayloads(history, `history ${run.runId}`, payloads);
        failures += history.events?.filter((e) => e.activityTaskFailedEventAttributes?.failure?.message === 'Encoded failure').length ?? 0;
      }
    }
    expect(stored.length).toBeGreaterThanOrEqual(ids.length * 2);
    expect(claims).toBe(ids.length);
    // Without the key the history holds only ciphertext, failures included; with it, the input decodes.
    expect(payloads.length).toBeGreaterThan(50);
    // One exception, written by the SDK core past every codec: a patch marker's `patch-data`, which holds
    // only the name of a workflow code patch (see patched() in workflows/export-run.ts). (A local activity's
    // marker, the core's bookkeeping, was the other until the fetch mapped: MAP_IN_FETCH_PATCH.)
    const PATCH_IDS = new Set([
      'prefetch-next-batch',
      'history-bound-2mb',
      'map-local-activity',
      'cancel-in-flight-on-pause-delete',
      'evidence-chain',
      'dated-prefix',
      'integration-name-attribute',
      'map-in-fetch',
    ]);
    const plain = payloads.filter((p) => Buffer.from(p.payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING);
    const json = (p: { payload: { data?: Uint8Array | null } }) => JSON.parse(Buffer.from(p.payload.data ?? []).toString()) as Record<string, unknown>;
    const patchMarkers = plain.filter((p) => p.where.endsWith('markerRecordedEventAttributes.details.patch-data.payloads.0'));
    for (const marker of patchMarkers) expect(PATCH_IDS.has(json(marker).id as string)).toBe(true);
    expect(patchMarkers.map((marker) => json(marker).id)).toContain('map-in-fetch');
    expect(plain.filter((p) => !patchMarkers.includes(p)).map((p) => p.where)).toEqual([]);
    expect(failures).toBeGreaterThanOrEqual(3);
    const started = payloads.find((p) => p.where.includes('workflowExecutionStartedEventAttributes.input'))!;
    const [opened] = await testDataConverter().payloadCodecs![0]!.decode([started.payload]);
    // Decoded, the input shows its write-only fields sealed (and the rest in the clear).
    const input = JSON.stringify(defaultPayloadConverter.fromPayload(opened!));
    expect(input).toMatch(/"token":\{"sealed":"eyJ[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+"\}/);
    expect(input).toContain('"scopeMrn"');

    // Every payload decoded as the Temporal UI sees it: through the codec URL it is given (the path key).
    const decodedThroughCodec: string[] = [];
    const encrypted = payloads.filter((p) => !plain.includes(p));
    for (let i = 0; i < encrypted.length; i += 200) {
      const batch = encrypted.slice(i, i + 200).map((p) => ({ metadata: p.payload.metadata ?? {}, data: p.payload.data ?? new Uint8Array() }));
      const res = await fetch(`${codecEndpointUrl(api, API_TOKEN)}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': namespace },
        body: JSON.stringify({ payloads: payloadsToJson(batch) }),
      });
      expect(res.status).toBe(200);
      const { payloads: decoded } = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      for (const p of decoded) {
        expect(Buffer.from(p.metadata.encoding ?? '', 'base64').toString()).not.toBe(ENCRYPTED_ENCODING);
        decodedThroughCodec.push(Buffer.from(p.data, 'base64').toString());
      }
    }
    expect(decodedThroughCodec.length).toBe(encrypted.length);
    expect(decodedThroughCodec.filter((text) => text.includes('"sealed":"')).length).toBeGreaterThanOrEqual(ids.length);

    const secrets: Record<string, string[]> = {
      'Mondoo token': [MONDOO_TOKEN, WRONG_MONDOO_TOKEN],
      'service-account private key': [ok, disabled].flatMap((sa) => sa.privateKeyPem.split('\n').filter((line) => line.length >= 40)),
      'OIDC signing key': [issuer.privateJwk.d!, issuer.privateJwk.p!, issuer.privateJwk.q!],
      'encryption key': [inject('encryptionKeys').split(':')[1]!],
      'access tokens, assertions and subject tokens': [...gcp.credentialsSeen],
      'API token': [API_TOKEN],
      'S3 secret access keys and session token': [s3User.secretAccessKey, ...Object.values(wrongS3Secret)],
      // What STS handed back: the AccessKeyId is in no integration's input, so it must not surface either.
      'STS session access key id': [roleUser.accessKeyId],
      'STS session secret access key': [roleUser.secretAccessKey],
      // The fake STS's session tokens start so, as AWS's do; the rest it saw are auditflow's web identity tokens.
      'STS session tokens': [...sts.credentialsSeen].filter((c) => c.startsWith('FwoGZXIvYXdzE')),
      'web identity tokens (to STS)': [...sts.credentialsSeen].filter((c) => !c.startsWith('FwoGZXIvYXdzE')),
      'Azure client secrets': [clientSecret, wrongClientSecret],
      'Azure account keys': [azuriteAccount().accountKey, wrongAccountKey],
      // The signature is the secret part of a SAS (the rest is its permissions and dates, also in the clear).
      'Azure SAS tokens': sasTokens.flatMap((token) => {
        const sig = new URLSearchParams(token).get('sig')!;
        return [token, sig, encodeURIComponent(sig)];
      }),
      'Entra access tokens': [...entra.credentialsSeen].filter((c) => c.startsWith('entra.')),
      'client assertions (to Entra)': [...entra.credentialsSeen].filter((c) => !c.startsWith('entra.') && c !== clientSecret && c !== wrongClientSecret),
    };
    expect(secrets['access tokens, assertions and subject tokens']!.length).toBeGreaterThanOrEqual(6);
    for (const what of ['STS session tokens', 'web identity tokens (to STS)', 'Entra access tokens', 'client assertions (to Entra)']) {
      expect(secrets[what]!.length, what).toBeGreaterThanOrEqual(1);
    }
    expect(sasTokens.length).toBe(2);
    const places = [
      ...stored,
      { where: 'worker logs', bytes: Buffer.from(workerLogs.join('\n')) },
      { where: 'API logs', bytes: Buffer.from(apiLogs.join('\n')) },
      { where: 'API responses', bytes: Buffer.from(responses.join('\n')) },
      { where: 'codec-decoded history (as the Temporal UI shows it)', bytes: Buffer.from(decodedThroughCodec.join('\n')) },
    ];
    // Not secret, but in the workflow input only: the history must hold them as ciphertext.
    const inputOnly = { 'WIF settings': [audience, wifEmail], 'key ids': [ok.keyId, disabled.keyId] };
    const hits: string[] = [];
    for (const { where, bytes } of places) {
      const search = where.startsWith('history') || where.startsWith('describe') ? { ...secrets, ...inputOnly } : secrets;
      for (const [what, values] of Object.entries(search)) {
        if (values.some((value) => forms(value).some((form) => bytes.includes(form)))) hits.push(`${what} in ${where}`);
      }
    }
    expect(workerLogs.length).toBeGreaterThan(20);
    expect(apiLogs.length).toBeGreaterThan(5);
    expect(responses.length).toBeGreaterThan(20);
    expect(hits).toEqual([]);
  });
});

/** Every Payload in the history, with its path; search attributes are excluded (never encoded, by design). */
function collectPayloads(value: unknown, path: string, out: Array<{ where: string; payload: proto.temporal.api.common.v1.IPayload }>): void {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
  if ('data' in value && 'metadata' in value && (value as { data: unknown }).data instanceof Uint8Array) {
    out.push({ where: path, payload: value as proto.temporal.api.common.v1.IPayload });
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'searchAttributes') continue;
    collectPayloads(child, `${path}.${key}`, out);
  }
}
