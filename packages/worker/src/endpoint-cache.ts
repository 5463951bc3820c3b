import type { Database, EndpointScope, PreviousSecret, SecretCipher } from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';

/** What a worker needs of an endpoint to deliver to it. Holds secrets: never log it. */
export interface DeliveryTarget extends EndpointScope {
  readonly id: string;
  readonly url: string;
  /** The current secret, then rotated-out ones still in their overlap window. */
  readonly secrets: readonly string[];
  /** Null when deliveries may go out; otherwise why they may not. */
  readonly blockedReason: string | null;
  /** Null when the secrets could be opened; otherwise why not (a key not configured). */
  readonly configurationError: string | null;
}

interface LoadedEndpoint extends EndpointScope {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly previous: readonly PreviousSecret[];
  readonly blockedReason: string | null;
  readonly configurationError: string | null;
}

const MAX_ENTRIES = 10_000;

/**
 * Endpoint look-ups by id, cached for `ttlMs` so a burst of deliveries to one
 * endpoint costs one query. Concurrent misses for one id share one query.
 * Changes announced on the endpoint change bus drop entries at once.
 */
export class EndpointCache {
  readonly #db: Kysely<Database>;
  readonly #ttlMs: number;
  readonly #cipher: SecretCipher;
  readonly #entries = new Map<
    string,
    { expiresAt: number; endpoint: Promise<LoadedEndpoint | undefined> }
  >();

  constructor(db: Kysely<Database>, ttlMs: number, cipher: SecretCipher) {
    this.#db = db;
    this.#ttlMs = ttlMs;
    this.#cipher = cipher;
  }

  /** The endpoint, or undefined when no row exists. */
  async get(id: string): Promise<DeliveryTarget | undefined> {
    const now = Date.now();
    let cached = this.#entries.get(id);
    if (!cached || cached.expiresAt <= now) {
      const endpoint = this.#load(id);
      cached = { expiresAt: now + this.#ttlMs, endpoint };
      this.#entries.set(id, cached);
      endpoint.catch(() => this.#entries.delete(id));
      if (this.#entries.size > MAX_ENTRIES) this.#prune(now);
    }
    const endpoint = await cached.endpoint;
    if (!endpoint) return undefined;
    // Expiry is checked at use, so a cached entry never signs with an expired secret.
    const iso = new Date().toISOString();
    const active = endpoint.previous.filter((p) => p.expires_at > iso).map((p) => p.secret);
    return {
      id: endpoint.id,
      url: endpoint.url,
      organizationId: endpoint.organizationId,
      agentId: endpoint.agentId,
      eventTypes: endpoint.eventTypes,
      secrets: [endpoint.secret, ...active],
      blockedReason: endpoint.blockedReason,
      configurationError: endpoint.configurationError,
    };
  }

  /** Drops one endpoint (`*`: all) from the cache. */
  forget(id: string): void {
    if (id === '*') this.#entries.clear();
    else this.#entries.delete(id);
  }

  async #load(id: string): Promise<LoadedEndpoint | undefined> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .select([
        'id',
        'url',
        'organization_id',
        'agent_id',
        'event_types',
        'secret',
        'previous_secrets',
        'enabled',
        'disabled_reason',
        'deleted_at',
      ])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const blockedReason =
      row.deleted_at !== null
        ? 'endpoint deleted'
        : row.enabled
          ? null
          : `endpoint disabled${row.disabled_reason ? `: ${row.disabled_reason}` : ''}`;
    const scope = {
      id: row.id,
      url: row.url,
      organizationId: row.organization_id,
      agentId: row.agent_id,
      eventTypes: row.event_types,
      blockedReason,
    };
    try {
      return {
        ...scope,
        secret: this.#cipher.open(row.secret),
        previous: row.previous_secrets.map((p) => ({ ...p, secret: this.#cipher.open(p.secret) })),
        configurationError: null,
      };
    } catch (error) {
      // A value, not an exception: the delivery records it as an attempt.
      const message = error instanceof Error ? error.message : String(error);
      return { ...scope, secret: '', previous: [], configurationError: message };
    }
  }

  #prune(now: number): void {
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
  }
}
