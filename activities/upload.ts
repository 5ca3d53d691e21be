import { decodeFileContent } from './compression';
import { ExportError } from './errors';
import { manifestPayload, signManifest } from './evidence/manifest';
import { objectFacts, objectMetadata, sha256Hex } from './evidence/object-metadata';
import { objectBodyOf } from './sinks/object-format';
import type { ObjectStore, ObjectWriteOptions } from './sinks/sink';
import type { UploadInput, UploadResult } from '../contracts/activities';
import type { ManifestRef, UploadEvidence } from '../contracts/evidence';
import { MANIFEST_CONTENT_TYPE, type ManifestObject } from '../lib/evidence/format';
import type { OidcSigningKeys } from '../lib/wif-keys';

export interface PutResult {
  bytes: number;
  /** The object was there already with the same content: a retry of a write that had succeeded. */
  alreadyExisted: boolean;
}

/** What signs manifests: the OIDC issuer's keys (lib/wif-keys.ts) and its public URL, named in each manifest. */
export interface ManifestSigner {
  issuer: string;
  keys: OidcSigningKeys;
}

const conflict = (store: ObjectStore, name: string) =>
  new ExportError(
    'ObjectConflict',
    `${store.urlOf(name)} already exists with different content. Another exporter may be writing to the same bucket and prefix; give this integration its own prefix.`,
    { retryable: false },
  );

/**
 * Writes `name` unless it exists. An existing object with the same bytes is success (a retried
 * write); one the credential may not read is taken as ours (names are unique per integration
 * sequence, so that is the usual case); different bytes are a conflict a person must resolve.
 */
export async function putIfAbsent(store: ObjectStore, name: string, body: Buffer, options?: ObjectWriteOptions): Promise<PutResult> {
  if ((await store.createOnly(name, body, options)) === 'created') return { bytes: body.length, alreadyExisted: false };
  if ((await store.holdsSameBytes(name, body)) === false) throw conflict(store, name);
  return { bytes: body.length, alreadyExisted: true };
}

/**
 * Writes each object create-only, in order; a retry re-writes nothing that is already there. With
 * `evidence`, each object carries its integrity metadata, and once all of them are durable the batch's
 * signed manifest is written: the result names it, so the workflow chains the next one to it.
 */
export async function uploadObjects(input: UploadInput, store: ObjectStore, signer?: () => ManifestSigner): Promise<UploadResult> {
  const { evidence } = input;
  const objects: UploadResult['objects'] = [];
  const listed: ManifestObject[] = [];
  let seq = evidence?.firstSeq ?? 0;
  for (const object of input.objects) {
    // Compressed here, as the destination asks, so every sink stores the same bytes for the same events.
    const jsonl = decodeFileContent(object);
    const { body, format } = objectBodyOf(jsonl, input.destination.compression);
    const options: ObjectWriteOptions = { contentType: format.contentType, metadata: format.metadata };
    if (evidence) {
      // Times from the JSON Lines, the hash of the bytes as stored (the gzip, when compressed).
      const facts = objectFacts(jsonl, seq, object.events, body);
      seq += object.events;
      options.metadata = { ...format.metadata, ...objectMetadata(facts, evidence) };
      listed.push({
        name: object.name,
        sha256: facts.sha256,
        bytes: body.length,
        events: facts.events,
        firstSeq: facts.firstSeq,
        lastSeq: facts.lastSeq,
        firstEventTime: facts.firstEventTime,
        lastEventTime: facts.lastEventTime,
      });
    }
    const put = await putIfAbsent(store, object.name, body, options);
    objects.push({ name: object.name, bytes: put.bytes, alreadyExisted: put.alreadyExisted });
  }
  if (!evidence || listed.length === 0) return { objects };
  if (!signer) throw new Error('an upload with evidence needs a manifest signer');
  return { objects, manifest: await putManifest(store, evidence, listed, signer()) };
}

/**
 * Writes the batch's manifest create-only. Its bytes depend only on the input and the signing key, so a
 * retry finds the object it wrote byte for byte. If the first key changed between two attempts (a
 * rotation), the stored manifest is one another configured key signed: its hash is the one to chain
 * to. A credential that may not read the object cannot tell: the manifest is taken as ours, as signed
 * by the current key (a rotation between two attempts of one upload then shows as a broken link).
 */
async function putManifest(store: ObjectStore, evidence: UploadEvidence, listed: ManifestObject[], signer: ManifestSigner): Promise<ManifestRef> {
  const name = evidence.manifestName;
  const payload = manifestPayload(evidence, signer.issuer, listed);
  const body = await signManifest(payload, signer.keys.signing);
  if ((await store.createOnly(name, body, { contentType: MANIFEST_CONTENT_TYPE })) === 'created') return { name, sha256: sha256Hex(body) };
  if ((await store.holdsSameBytes(name, body)) !== false) return { name, sha256: sha256Hex(body) };
  for (const key of signer.keys.all) {
    if (key === signer.keys.signing) continue;
    const other = await signManifest(payload, key);
    if (await store.holdsSameBytes(name, other)) return { name, sha256: sha256Hex(other) };
  }
  throw conflict(store, name);
}
