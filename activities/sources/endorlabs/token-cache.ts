// Endor Labs tokens last hours: one per (endpoint, key, secret) is cached in the worker's memory and
// renewed shortly before it expires, so a backfill authenticates once, not once per page or batch.
import { createHash } from 'node:crypto';

export interface IssuedToken {
  token: string;
  /** Epoch ms; undefined when the server did not say. */
  expiresAtMs: number | undefined;
}

interface CachedToken {
  token: string;
  renewAtMs: number;
}

/** Without a stated expiry a token is renewed after this long (well inside "a few hours"). */
const ASSUMED_LIFETIME_MS = 30 * 60_000;
const MAX_RENEW_MARGIN_MS = 60_000;

/** The cache id: a hash, so neither the key nor the secret is kept as a map key or shows in a heap dump's strings. */
export function tokenCacheId(endpoint: string, apiKey: string, apiSecret: string): string {
  return createHash('sha256').update(`${endpoint}\0${apiKey}\0${apiSecret}`).digest('base64url');
}

export class EndorTokenCache {
  private readonly entries = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 256,
  ) {}

  /** A token that is not due for renewal, obtaining one (once, for concurrent callers) if needed. */
  async get(id: string, obtain: () => Promise<IssuedToken>): Promise<string> {
    const cached = this.entries.get(id);
    if (cached && this.now() < cached.renewAtMs) return cached.token;
    let pending = this.pending.get(id);
    if (!pending) {
      pending = this.issue(id, obtain).finally(() => this.pending.delete(id));
      this.pending.set(id, pending);
    }
    return (await pending).token;
  }

  /** Drops `token` after a 401 (unless another caller already replaced it), so the next get() renews. */
  invalidate(id: string, token: string): void {
    if (this.entries.get(id)?.token === token) this.entries.delete(id);
  }

  private async issue(id: string, obtain: () => Promise<IssuedToken>): Promise<CachedToken> {
    const obtainedAt = this.now();
    const issued = await obtain();
    const expiresAt = issued.expiresAtMs ?? obtainedAt + ASSUMED_LIFETIME_MS;
    // Renew a tenth of the lifetime early (at most a minute): a request never starts on a token about to lapse.
    const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, expiresAt - obtainedAt) / 10);
    const entry = { token: issued.token, renewAtMs: expiresAt - margin };
    this.entries.delete(id);
    this.entries.set(id, entry);
    // Bounded: the oldest entry (insertion order) goes first.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }
}

/** The worker's cache, shared by every fetch of every Endor Labs integration. */
export const sharedEndorTokenCache = new EndorTokenCache();
