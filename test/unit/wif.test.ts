// auditflow as an OIDC issuer: subjects, signing keys and their rotation, minted tokens verified the way
// Google's STS verifies them (discovery document → JWKS over HTTP).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcRouter } from '../../api/oidc-routes';
import { loadWifSettings, mintSubjectToken, parseWifAudience, publicUrlFrom, wifPrincipalFor, wifSubjectFor } from '../../lib/wif';
import { generateOidcSigningJwk, loadOidcSigningKeys, parseOidcSigningKeys, type OidcSigningKeys } from '../../lib/wif-keys';
import { decodeJwt, publicKeyOf } from '../fakes/gcp/jwt';
import { verifyJwt } from '../fakes/gcp';

const AUDIENCE = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/auditflow/providers/exporter';

describe('workload identity subjects', () => {
  it('computes one subject per integration, and the principal the GCP binding names', () => {
    const id = '4b0c2a8e-7d1f-4f8e-9a51-3c2b1d0e9f87';
    expect(wifSubjectFor(id)).toBe(`auditflow:integration:${id}`);
    expect(parseWifAudience(AUDIENCE)).toEqual({ projectNumber: '123456789012', pool: 'auditflow', provider: 'exporter' });
    expect(parseWifAudience(`https:${AUDIENCE}`)?.pool).toBe('auditflow');
    expect(parseWifAudience('//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p')).toBeUndefined();
    expect(wifPrincipalFor(AUDIENCE, wifSubjectFor(id))).toBe(
      `principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/auditflow/subject/auditflow:integration:${id}`,
    );
    expect(() => wifSubjectFor('a/b')).toThrow(/cannot form a workload identity subject/);
    expect(() => wifSubjectFor('x'.repeat(120))).toThrow(/at most/);
  });

  it('takes the issuer from AUDITFLOW_PUBLIC_URL, else the local API', () => {
    expect(publicUrlFrom({ AUDITFLOW_PUBLIC_URL: 'https://auditflow.example.com/' })).toBe('https://auditflow.example.com');
    expect(publicUrlFrom({ AUDITFLOW_API_PORT: '9090' })).toBe('http://127.0.0.1:9090');
    expect(() => publicUrlFrom({ AUDITFLOW_PUBLIC_URL: 'auditflow.example.com' })).toThrow(/absolute URL/);
  });
});

describe('OIDC signing keys', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads a JSON array of private JWKs or kid:base64(PEM) pairs; the first signs, all are published', () => {
    const a = generateOidcSigningJwk('a');
    const b = generateOidcSigningJwk('b');
    const fromJson = parseOidcSigningKeys(JSON.stringify([a, b]));
    expect(fromJson.map((k) => k.kid)).toEqual([a.kid, b.kid]);
    expect(fromJson[0]!.publicJwk).toEqual({ kty: 'RSA', n: a.n, e: a.e, kid: a.kid, alg: 'RS256', use: 'sig' });
    expect(JSON.stringify(fromJson.map((k) => k.publicJwk))).not.toContain(a.d!);
    expect(parseOidcSigningKeys(JSON.stringify({ keys: [b] }))[0]!.kid).toBe(b.kid);

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fromPem = parseOidcSigningKeys(`k2:${Buffer.from(pem).toString('base64')}`);
    expect(fromPem[0]!.kid).toBe('k2');
  });

  it('refuses weak, malformed or duplicate keys without quoting them', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })).toString('base64');
    expect(() => parseOidcSigningKeys(`old:${weak}`)).toThrow(/at least 2048 bits/);
    const garbage = Buffer.from('-----BEGIN PRIVATE KEY-----\nnot-a-key-MIIEvQ\n-----END PRIVATE KEY-----').toString('base64');
    let message = '';
    try {
      parseOidcSigningKeys(`k1:${garbage}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/key "k1" is not a readable private key/);
    expect(message).not.toContain('not-a-key');
    const a = generateOidcSigningJwk('a');
    expect(() => parseOidcSigningKeys(JSON.stringify([a, a]))).toThrow(/appears twice/);
    expect(() => parseOidcSigningKeys(JSON.stringify([{ ...a, kid: undefined }]))).toThrow(/has no "kid"/);
  });

  it('without AUDITFLOW_OIDC_SIGNING_KEYS generates one development key, shared by every process of the data dir', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'auditflow-wif-'));
    dirs.push(dataDir);
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    const first = loadOidcSigningKeys({ env: {}, dataDir, log });
    const second = loadOidcSigningKeys({ env: {}, dataDir, log });
    expect(second.signing.publicJwk).toEqual(first.signing.publicJwk);
    expect(first.signing.kid).toMatch(/^dev-/);
    expect(statSync(path.join(dataDir, 'dev-oidc-signing-key.json')).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/AUDITFLOW_OIDC_SIGNING_KEYS is not set.*DEVELOPMENT key/);
  });
});

describe('minted subject tokens, verified through discovery and JWKS', () => {
  let server: Server;
  let issuer: string;
  const old = generateOidcSigningJwk('k1');
  const current = generateOidcSigningJwk('k2');
  let keys: OidcSigningKeys;

  beforeAll(async () => {
    const app = express();
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    keys = loadWifSettings({ env: { AUDITFLOW_PUBLIC_URL: issuer, AUDITFLOW_OIDC_SIGNING_KEYS: JSON.stringify([current, old]) } }).keys;
    app.use(createOidcRouter({ issuer, keys }));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const viaJwks = async (kid: string | undefined) => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(issuer);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([current.kid, old.kid]);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const jwk = jwks.keys.find((k) => k.kid === kid);
    return jwk && publicKeyOf(jwk);
  };

  it('signs with the first key: iss = public URL, sub = subject, aud = provider, short-lived', async () => {
    const subject = wifSubjectFor('0d6f3a52-1111-4c1e-8f00-123456789abc');
    const token = mintSubjectToken({ issuer, keys }, { subject, audience: AUDIENCE });
    expect(decodeJwt(token).header).toEqual({ alg: 'RS256', typ: 'JWT', kid: current.kid });
    const claims = await verifyJwt(token, { keyFor: viaJwks, issuer, audiences: [AUDIENCE], maxLifetimeSeconds: 3600 });
    expect(claims).toMatchObject({ iss: issuer, sub: subject, aud: AUDIENCE });
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('keeps tokens of the previous key verifiable while it is still published', async () => {
    const previous = { signing: keys.all[1]!, all: keys.all };
    const token = mintSubjectToken({ issuer, keys: previous }, { subject: 'auditflow:integration:x', audience: AUDIENCE });
    await expect(verifyJwt(token, { keyFor: viaJwks, issuer, audiences: [AUDIENCE], maxLifetimeSeconds: 3600 })).resolves.toMatchObject({
      sub: 'auditflow:integration:x',
    });
    const expired = mintSubjectToken({ issuer, keys }, { subject: 's', audience: AUDIENCE }, Date.now() - 3600_000);
    await expect(verifyJwt(expired, { keyFor: viaJwks, issuer, audiences: [AUDIENCE], maxLifetimeSeconds: 3600 })).rejects.toThrow(/expired/);
  });
});
