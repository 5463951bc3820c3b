import { subscribes, type Database } from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';

/** What publishing needs to know of an endpoint. */
export interface EndpointTarget {
  readonly id: string;
  readonly eventTypes: readonly string[];
}

interface CacheEntry {
  readonly expiresAt: number;
  readonly targets: readonly EndpointTarget[];
}

const MAX_CACHED_AGENTS = 10_000;

/**
 * Finds the live endpoints of an agent (its own and its organization's),
 * caching each agent's list for `ttlMs`. Local endpoint changes clear the
 * cache at once; the TTL bounds staleness from changes made elsewhere.
 */
export class EndpointResolver {
  readonly #db: Kysely<Database>;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  #generation = 0;

  constructor(db: Kysely<Database>, ttlMs: number) {
    this.#db = db;
    this.#ttlMs = ttlMs;
  }

  /** Endpoints of `agentId` in `organizationId` that subscribe to `eventType`. */
  async resolve(
    organizationId: string,
    agentId: string,
    eventType: string,
  ): Promise<EndpointTarget[]> {
    const targets = await this.#targetsOf(organizationId, agentId);
    return targets.filter((target) => subscribes(target.eventTypes, eventType));
  }

  /** Forgets everything cached (any endpoint change may alter any agent's list). */
  invalidate(): void {
    this.#generation++;
    this.#cache.clear();
  }

  async #targetsOf(organizationId: string, agentId: string): Promise<readonly EndpointTarget[]> {
    const key = `${organizationId}\u0000${agentId}`;
    const now = Date.now();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return cached.targets;

    const generation = this.#generation;
    const rows = await this.#db
      .selectFrom('webhook_endpoints')
      .select(['id', 'event_types'])
      .where('organization_id', '=', organizationId)
      .where((eb) => eb.or([eb('agent_id', '=', agentId), eb('agent_id', 'is', null)]))
      .where('kind', '=', 'subscription')
      .where('enabled', '=', true)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    const targets = rows.map((row) => ({ id: row.id, eventTypes: row.event_types }));
    // A change made while the query ran would be lost if this result were cached.
    if (generation === this.#generation && this.#ttlMs > 0) {
      this.#cache.delete(key);
      if (this.#cache.size >= MAX_CACHED_AGENTS) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(key, { expiresAt: now + this.#ttlMs, targets });
    }
    return targets;
  }
}
