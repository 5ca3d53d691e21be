// The Endor Labs OCSF line written directly (activities/sources/endorlabs/ocsf-line.ts, the map activity's
// path) must be byte for byte the JSON of the object mapper, which the OCSF tests check field by field:
// on random records with odd values (unicode, quotes, control characters, missing fields, payloads past
// the bound) that the client's schema lets through, and on the fake's generated history.
import { describe, expect, it } from 'vitest';
import { endorLabsOcsfLine } from '../../activities/sources/endorlabs/ocsf-line';
import { mapEndorLabsEventToOcsf } from '../../activities/sources/endorlabs/to-ocsf';
import { endorAuditLogSchema, type EndorSourceEvent } from '../../activities/sources/endorlabs/types';
import { sourceEvents } from '../../bench/source-records';
import { randomValues } from '../ocsf/random-values';

const OPERATIONS = [
  'OPERATION_CREATE',
  'OPERATION_UPDATE',
  'OPERATION_UPSERT',
  'OPERATION_DELETE',
  'OPERATION_UNSPECIFIED',
  'operation_create',
  'OPERATION_',
  'POLICY_EVALUATE',
  'USER_LOGIN',
  'USER_LOGOUT',
  'SIGN_IN',
  'AUTHENTICATE',
  'LOG_OFF',
  '',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
];
const KINDS = ['AuthenticationLog', 'Repository', 'ScanProfile', 'Policy', '', 'constructor', '__proto__'];
const METHODS = ['saml', 'OAuth', 'oidc', 'LDAP', 'basic', 'passkey', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'Constructor', '__PROTO__'];

function createLogGenerator(seed: number) {
  const r = randomValues(seed);
  const textOr = (values: readonly string[]) => (r.chance(0.7) ? r.pick(values) : r.text());

  const payload = (): unknown => {
    if (r.chance(0.2)) return r.big();
    const fields: Record<string, unknown> = {
      user_id: r.maybe(0.4, () => textOr(['john.smith@acme.example', 'bot'])),
      authentication_method: r.maybe(0.4, () => textOr(METHODS)),
      session_id: r.maybe(0.4, () => textOr([`sess_${r.id(12)}`])),
      success: r.maybe(0.4, () => r.pick([true, false, 'false', null])),
      failure_reason: r.maybe(0.6, () => r.text()),
      reason: r.maybe(0.6, () => r.text()),
      mfa: r.maybe(0.5, () => r.pick([true, false, 'yes'])),
      meta: r.maybe(0.6, () => (r.chance(0.8) ? { name: r.maybe(0.3, () => r.text()) } : r.json())),
      name: r.maybe(0.5, () => r.text()),
      uuid: r.maybe(0.5, () => r.id(36)),
      kind: r.maybe(0.5, () => textOr(KINDS)),
      big: r.maybe(0.9, () => r.big()),
    };
    return r.shuffled({ ...fields, ...(r.chance(0.2) ? r.object() : {}) });
  };

  return (): EndorSourceEvent => {
    const createTime = r.timestamp();
    const meta = r.shuffled({
      update_time: r.maybe(0.3, () => r.timestamp()),
      kind: r.maybe(0.3, () => 'AuditLog'),
      version: r.maybe(0.3, () => 'v1'),
      created_by: r.maybe(0.3, () => textOr(['system', 'priya@acme.example'])),
      updated_by: r.maybe(0.5, () => textOr(['system'])),
      name: r.maybe(0.3, () => r.text()),
      description: r.maybe(0.4, () => r.text()),
      ...(r.chance(0.2) ? r.object() : {}),
    });
    // The API sends create_time first; now and then it does not.
    const node = {
      uuid: r.chance(0.9) ? crypto.randomUUID() : r.text(),
      tenant_meta: { namespace: textOr(['acme.bench', 'acme']), ...(r.chance(0.1) ? r.object() : {}) },
      meta: r.chance(0.8) ? { create_time: createTime, ...meta } : r.shuffled({ ...meta, create_time: createTime }),
      spec: r.shuffled({
        operation: r.maybe(0.1, () => textOr(OPERATIONS)),
        message_kind: r.maybe(0.2, () => textOr(KINDS)),
        message_uuid: r.maybe(0.3, () => r.id(36)),
        payload: r.maybe(0.15, payload),
        claims: r.maybe(0.2, () =>
          Array.from({ length: r.int(3) }, () => ({
            subject: r.maybe(0.2, () => textOr(['priya@acme.example', 'Unknown'])),
            issuer: r.maybe(0.3, () => r.text()),
            audience: r.maybe(0.3, () => r.text()),
            ...(r.chance(0.1) ? r.object() : {}),
          })),
        ),
        remote_address: r.maybe(0.2, () => r.ip()),
        error: r.maybe(0.8, () => r.text()),
      }),
      ...(r.chance(0.1) ? r.object() : {}),
    };
    return { key: node.uuid, node: node as EndorSourceEvent['node'] };
  };
}

describe('the Endor Labs OCSF line', () => {
  it('is JSON.stringify of the mapped event for random records, odd values included', () => {
    const generate = createLogGenerator(4_127);
    let compared = 0;
    let failed = 0;
    for (let i = 0; i < 10_000; i++) {
      const event = generate();
      // Only what the client's schema lets through reaches the mapper.
      if (!endorAuditLogSchema.safeParse(event.node).success) continue;
      let expected: string;
      try {
        expected = JSON.stringify(mapEndorLabsEventToOcsf(event));
      } catch (error) {
        // A record the mapper refuses (a create_time that is not RFC 3339) is refused the same way.
        expect(() => endorLabsOcsfLine(event)).toThrow((error as Error).message);
        failed++;
        continue;
      }
      const { line, time } = endorLabsOcsfLine(event);
      // The record in the message only when they differ: stringifying every one would be most of the test's time.
      if (line !== expected) expect(line, JSON.stringify(event)).toBe(expected);
      expect(time).toBe(JSON.parse(expected).time);
      compared++;
    }
    expect(compared).toBeGreaterThan(7_500);
    expect(failed).toBeGreaterThan(0);
  });

  it('is JSON.stringify of the mapped event for the fake generated history', () => {
    for (const event of sourceEvents('endorlabs', 5_000, 3) as EndorSourceEvent[])
      expect(endorLabsOcsfLine(event).line).toBe(JSON.stringify(mapEndorLabsEventToOcsf(event)));
  });
});
