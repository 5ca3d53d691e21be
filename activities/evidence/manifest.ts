// A batch's manifest (issue 17): the payload lists the batch's objects with their SHA-256 and names the
// manifest before it by the SHA-256 of its stored bytes; the bytes are a compact JWS signed with the
// OIDC signing key. RS256 (RSASSA-PKCS1-v1_5) is deterministic: the same key and payload always give the
// same bytes, so a retried write finds its own object byte for byte, and a manifest is recognised as
// ours by its hash even by a credential that may only create objects. (ES256 and PS256 are randomized:
// a retry would produce other bytes for the same content, and the chain needs one hash per manifest.)
import { CompactSign } from 'jose';
import type { UploadEvidence } from '../../contracts/evidence';
import { MANIFEST_FORMAT_VERSION, MANIFEST_JWS_TYPE, type ManifestObject, type ManifestPayload } from '../../lib/evidence/format';
import { AUDITFLOW_VERSION } from '../../lib/version';
import { OIDC_SIGNING_ALG, type OidcSigningKey } from '../../lib/wif-keys';

export function manifestPayload(evidence: UploadEvidence, issuer: string, objects: ManifestObject[]): ManifestPayload {
  return {
    format: MANIFEST_FORMAT_VERSION,
    issuer,
    integrationId: evidence.integrationId,
    source: { type: evidence.sourceType, scope: evidence.scopeSlug, scopeId: evidence.scopeId },
    firstSeq: objects[0]!.firstSeq,
    lastSeq: objects.at(-1)!.lastSeq,
    createdAt: evidence.createdAt,
    previous: evidence.previous,
    objects,
    auditflowVersion: AUDITFLOW_VERSION,
  };
}

/** The manifest's bytes: `header.payload.signature`, the payload's keys in a fixed order (JSON.stringify of one literal). */
export async function signManifest(payload: ManifestPayload, key: OidcSigningKey): Promise<Buffer> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: OIDC_SIGNING_ALG, kid: key.kid, typ: MANIFEST_JWS_TYPE })
    .sign(key.privateKey);
  return Buffer.from(jws);
}
