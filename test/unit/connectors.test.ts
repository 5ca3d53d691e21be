// The connector registries: every registered connector keeps the contract the generic code relies on,
// and inputs from before connectors (no stored facts) name their objects exactly as new ones do.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectorFactsOf, mapSourceOf } from '../../contracts/legacy-inputs';
import { ExportError } from '../../activities/errors';
import { sinkConnector } from '../../activities/sinks/registry';
import { sourceConnector } from '../../activities/sources/registry';
import { objectName } from '../../workflows/object-names';

const mondooConfig = {
  type: 'mondoo',
  scopeMrn: '//captain.api.mondoo.app/spaces/acme-prod-4kd9s2',
  endpoint: 'https://us.api.mondoo.com/query',
  token: 'secret-token',
};
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const serviceAccountJson = JSON.stringify({ type: 'service_account', client_email: 'x@p.iam.gserviceaccount.com', private_key: privateKey });
const gcsConfig = { type: 'gcs', bucket: 'audit-bucket', prefix: 'mondoo/', credentials: { serviceAccountJson } };
const s3Config = {
  type: 's3',
  bucket: 'audit-bucket',
  region: 'eu-west-1',
  prefix: 'mondoo/',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's3-secret-key', sessionToken: 's3-session-token' },
};

describe('connector registries', () => {
  it('pick a connector by type, and answer an unknown type with a non-retryable configuration error', () => {
    expect(sourceConnector('mondoo').type).toBe('mondoo');
    expect(sinkConnector('gcs').type).toBe('gcs');
    expect(sinkConnector('s3').type).toBe('s3');
    expect(sinkConnector('azure-blob').type).toBe('azure-blob');
    for (const lookup of [() => sourceConnector('okta'), () => sinkConnector('hdfs')]) {
      let error: unknown;
      try {
        lookup();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ExportError);
      expect(error).toMatchObject({ kind: 'InvalidConfig', retryable: false });
    }
  });

  it('give views without the secrets that their schemas accept, and whose schemas mark the secrets write-only', () => {
    const source = sourceConnector('mondoo');
    const sink = sinkConnector('gcs');
    const sourceView = source.view(source.configSchema.parse(mondooConfig));
    const sinkView = sink.view(sink.configSchema.parse(gcsConfig), 'id-1');
    expect(source.viewSchema.parse(sourceView)).toEqual(sourceView);
    expect(sink.viewSchema.parse(sinkView)).toEqual(sinkView);
    expect(JSON.stringify([sourceView, sinkView])).not.toMatch(/secret-token|PRIVATE KEY/);
    const inputSchema = JSON.stringify(z.toJSONSchema(z.object({ source: source.configSchema, sink: sink.configSchema }), { io: 'input' }));
    expect(inputSchema.match(/"writeOnly":true/g)).toHaveLength(2);

    const s3 = sinkConnector('s3');
    const s3View = s3.view(s3.configSchema.parse(s3Config), 'id-1');
    expect(s3.viewSchema.parse(s3View)).toEqual(s3View);
    expect(s3View).toMatchObject({ auth: 'accessKeys' });
    expect(JSON.stringify(s3View)).not.toMatch(/s3-secret-key|s3-session-token/);
    expect(JSON.stringify(z.toJSONSchema(s3.configSchema, { io: 'input' })).match(/"writeOnly":true/g)).toHaveLength(2);
  });

  it('place S3 objects by store and bucket: AWS spelled any way is one store, another kind never clashes', () => {
    const s3 = sinkConnector('s3');
    const at = (patch: Record<string, unknown>) => s3.location(s3.view(s3.configSchema.parse({ ...s3Config, ...patch }), 'id-1'));
    expect(at({})).toEqual({ objectUrlBase: 's3://audit-bucket/', namespace: ['s3', 'aws', 'audit-bucket'] });
    expect(at({ endpoint: 'https://s3.eu-west-1.amazonaws.com' }).namespace).toEqual(['s3', 'aws', 'audit-bucket']);
    const local = at({ endpoint: 'http://127.0.0.1:7070' }).namespace;
    for (const endpoint of ['http://localhost:7070/', 'HTTP://LocalHost:7070', 'http://[::1]:7070']) expect(at({ endpoint }).namespace).toEqual(local);
    expect(at({ endpoint: 'http://127.0.0.1:7071' }).namespace).not.toEqual(local);
    const gcs = sinkConnector('gcs');
    expect(gcs.location(gcs.view(gcs.configSchema.parse(gcsConfig), 'id-1')).namespace).not.toEqual(at({}).namespace);
  });
});

describe('inputs from before connectors', () => {
  it('derive the same object names, scope and URL that the connectors now compute at creation', () => {
    const source = sourceConnector('mondoo');
    const sink = sinkConnector('gcs');
    const { scopeSlug, scopeId } = source.scope(source.view(source.configSchema.parse(mondooConfig)));
    const { objectUrlBase } = sink.location(sink.view(sink.configSchema.parse(gcsConfig), 'id-1'));
    const legacy = connectorFactsOf({ source: mondooConfig, destination: gcsConfig });
    expect(legacy).toEqual({ scopeSlug, scopeId, objectUrlBase });
    expect(objectName('mondoo/', legacy.scopeSlug, 1, 1000)).toBe('mondoo/space-acme-prod-4kd9s2-audit-logs-1-1000.jsonl');
    expect(connectorFactsOf({ source: { ...mondooConfig, scopeMrn: '//platform.api.mondoo.app' }, destination: gcsConfig }).scopeSlug).toBe('platform');
    expect(objectUrlBase).toBe('gs://audit-bucket/');
  });

  it('keep the facts stored at creation over anything derived', () => {
    const stored = { scopeSlug: 'x', scopeId: 'y', objectUrlBase: 'z://' };
    expect(connectorFactsOf({ connectorFacts: stored, source: mondooConfig, destination: gcsConfig })).toBe(stored);
  });

  it('map with the Mondoo connector when the map input names only a scope MRN', () => {
    expect(mapSourceOf({ events: [], scopeMrn: mondooConfig.scopeMrn, maxEventsPerFile: 1, maxBytesPerFile: 1 })).toEqual({
      type: 'mondoo',
      scopeId: mondooConfig.scopeMrn,
    });
    expect(mapSourceOf({ events: [], source: { type: 'endor', scopeId: 's' }, maxEventsPerFile: 1, maxBytesPerFile: 1 })).toEqual({
      type: 'endor',
      scopeId: 's',
    });
  });
});
