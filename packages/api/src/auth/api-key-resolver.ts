import { WebhookError } from '@letta-webhooks/shared';
import type { FastifyRequest } from 'fastify';
import { hashApiKey, looksLikeApiKey, sameHash } from './api-key.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { CredentialResolver, Principal } from './principal.js';

interface CacheEntry {
  readonly hash: Buffer;
  readonly principal: Principal | null;
  readonly expiresAt: number;
}

// Bounds memory under a flood of distinct (wrong) keys.
const MAX_CACHED = 10_000;
const BEARER = /^Bearer +(\S+) *$/i;

function principalOf(id: string, admin: boolean, organizationId: string | null): Principal | null {
  if (admin)
    return { credential: 'api_key', credentialId: id, organizationId: null, agentId: null };
  // A non-admin key always names its organization (a CHECK constraint); never widen one that does not.
  if (organizationId === null) return null;
  return { credential: 'api_key', credentialId: id, organizationId, agentId: null };
}

function unauthorized(message: string): WebhookError {
  return new WebhookError({ code: 'UNAUTHORIZED', field: 'authorization', message });
}

/**
 * `Authorization: Bearer lwk_…`: looks the key up by its SHA-256 in Postgres,
 * caches the answer (found or not) for `ttlMs` — so a revoked key stops
 * working within that time — and compares hashes in constant time. The key
 * itself is never stored, cached or logged; only its hash is.
 */
export class ApiKeyResolver implements CredentialResolver {
  readonly #store: ApiKeyStore;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  // Concurrent requests with one uncached key share one query.
  readonly #pending = new Map<string, Promise<CacheEntry>>();

  constructor(store: ApiKeyStore, ttlMs: number) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  async resolve(request: FastifyRequest): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const key = BEARER.exec(header)?.[1];
    if (key === undefined || !looksLikeApiKey(key))
      throw unauthorized('the Authorization header must be "Bearer lwk_…"');
    const principal = await this.lookup(key);
    if (principal === null) throw unauthorized('the API key is unknown or revoked');
    return principal;
  }

  /** The principal of a key, or null when it is unknown or revoked. */
  async lookup(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    // The map is keyed by the hash, not the key: timing of this look-up can
    // reveal at most something about a SHA-256 output, which says nothing of a key.
    const id = hash.toString('hex');
    const cached = this.#cache.get(id);
    const entry =
      cached !== undefined && cached.expiresAt > Date.now() ? cached : await this.#load(id, hash);
    return sameHash(entry.hash, hash) ? entry.principal : null;
  }

  async #load(id: string, hash: Buffer): Promise<CacheEntry> {
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending;
    const loading = (async () => {
      let row;
      try {
        row = await this.#store.findActive(hash);
      } catch (error) {
        throw new WebhookError({
          code: 'DATABASE_UNAVAILABLE',
          message: 'could not check the API key',
          cause: error,
        });
      }
      const entry: CacheEntry = {
        hash,
        principal:
          row === undefined || !sameHash(row.key_hash, hash)
            ? null
            : principalOf(row.id, row.admin, row.organization_id),
        expiresAt: Date.now() + this.#ttlMs,
      };
      if (this.#ttlMs > 0) {
        this.#cache.delete(id);
        if (this.#cache.size >= MAX_CACHED) {
          const oldest = this.#cache.keys().next();
          if (oldest.done !== true) this.#cache.delete(oldest.value);
        }
        this.#cache.set(id, entry);
      }
      return entry;
    })();
    this.#pending.set(id, loading);
    try {
      return await loading;
    } finally {
      this.#pending.delete(id);
    }
  }
}
