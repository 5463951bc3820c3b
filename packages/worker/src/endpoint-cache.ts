import type { Database } from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';

/** What a worker needs of an endpoint to deliver to it. Holds the secret: never log it. */
export interface DeliveryTarget {
  readonly id: string;
  readonly url: string;
  readonly secrets: readonly string[];
  /** Null when deliveries may go out; otherwise why they may not. */
  readonly blockedReason: string | null;
}

/**
 * Endpoint look-ups by id, cached for `ttlMs` so a burst of deliveries to one
 * endpoint costs one query. Concurrent misses for one id share one query.
 */
export class EndpointCache {
  readonly #db: Kysely<Database>;
  readonly #ttlMs: number;
  readonly #entries = new Map<
    string,
    { expiresAt: number; target: Promise<DeliveryTarget | undefined> }
  >();

  constructor(db: Kysely<Database>, ttlMs: number) {
    this.#db = db;
    this.#ttlMs = ttlMs;
  }

  /** The endpoint, or undefined when no row exists. */
  get(id: string): Promise<DeliveryTarget | undefined> {
    const now = Date.now();
    const cached = this.#entries.get(id);
    if (cached && cached.expiresAt > now) return cached.target;
    const target = this.#load(id);
    this.#entries.set(id, { expiresAt: now + this.#ttlMs, target });
    target.catch(() => this.#entries.delete(id));
    if (this.#entries.size > 10_000) this.#prune(now);
    return target;
  }

  /** Drops one endpoint from the cache (after this worker changed it). */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  async #load(id: string): Promise<DeliveryTarget | undefined> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .select(['id', 'url', 'secret', 'enabled', 'disabled_reason', 'deleted_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const blockedReason =
      row.deleted_at !== null
        ? 'endpoint deleted'
        : row.enabled
          ? null
          : `endpoint disabled${row.disabled_reason ? `: ${row.disabled_reason}` : ''}`;
    return { id: row.id, url: row.url, secrets: [row.secret], blockedReason };
  }

  #prune(now: number): void {
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
  }
}
