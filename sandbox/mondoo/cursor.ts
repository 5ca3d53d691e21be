import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';

/**
 * Opaque, signed, expiring cursors. A cursor carries the sort key of its edge (keyset pagination:
 * "continue after (timestamp, internal id)"), a fingerprint of the query it belongs to, and when it
 * was issued. Clients must treat it as opaque and must cope with it expiring mid-pass.
 */
export interface SortKey {
  /** Epoch seconds. */
  ts: number;
  /** The store's internal insertion id: the tie-breaker within a second. */
  id: number;
}

interface CursorPayload {
  /** Query fingerprint. */
  q: string;
  t: number;
  i: number;
  /** Issue time, server clock, epoch ms. */
  iat: number;
}

export type CursorErrorCode = 'CURSOR_EXPIRED' | 'INVALID_CURSOR';

export function cursorError(message: string, code: CursorErrorCode): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

export class CursorCodec {
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly secret: Buffer = randomBytes(32),
  ) {}

  /** Identifies the query a cursor belongs to: resuming with another scope, order or filter is an error. */
  fingerprint(parts: readonly (string | number | undefined)[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
  }

  encode(fingerprint: string, key: SortKey): string {
    const payload: CursorPayload = { q: fingerprint, t: key.ts, i: key.id, iat: this.now() };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The sort key inside `cursor`, or a GraphQL error with code INVALID_CURSOR / CURSOR_EXPIRED. */
  decode(cursor: string, fingerprint: string): SortKey {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined || !this.verify(body, signature)) {
      throw cursorError('invalid cursor', 'INVALID_CURSOR');
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
    if (payload.q !== fingerprint) {
      throw cursorError('cursor does not belong to this query (resourceMrn, orderBy and timestampFilter must not change)', 'INVALID_CURSOR');
    }
    if (this.now() - payload.iat > this.ttlMs) {
      throw cursorError('cursor expired, restart the query', 'CURSOR_EXPIRED');
    }
    return { ts: payload.t, id: payload.i };
  }

  private sign(body: string): string {
    // A keyed hash, not createHmac: HMAC's per-call key setup dominated paging a million events, and a
    // fake only needs cursors to be unforgeable by accident, not by a cryptographer.
    return createHash('sha256').update(this.secret).update(body).digest('base64url').slice(0, 22);
  }

  private verify(body: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(body));
    const actual = Buffer.from(signature);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
