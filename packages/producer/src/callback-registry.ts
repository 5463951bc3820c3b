import { generateSecret, newId, type Database, type SecretCipher } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';

/**
 * One-off callback URLs (Letta's `callback_url` on runs and jobs). Each
 * (organization, URL) gets a hidden endpoint of kind `callback`, so callback
 * deliveries share the envelope, signing, retries and recording of every
 * other delivery. They are signed with the organization's callback secret.
 */
export class CallbackRegistry {
  readonly #db: Kysely<Database>;
  readonly #cipher: SecretCipher;
  readonly #endpointIds = new Map<string, string>();

  constructor(db: Kysely<Database>, cipher: SecretCipher) {
    this.#db = db;
    this.#cipher = cipher;
  }

  /** The organization's callback signing secret, created on first use. */
  async secret(organizationId: string): Promise<string> {
    return this.#cipher.open(await this.#stored(organizationId));
  }

  // The secret as stored (sealed when encryption is on).
  async #stored(organizationId: string): Promise<string> {
    await this.#db
      .insertInto('webhook_organization_secrets')
      .values({ organization_id: organizationId, secret: this.#cipher.seal(generateSecret()) })
      .onConflict((oc) => oc.column('organization_id').doNothing())
      .execute();
    const row = await this.#db
      .selectFrom('webhook_organization_secrets')
      .select('secret')
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow();
    return row.secret;
  }

  /** The id of the callback endpoint for (organization, URL), created on first use. */
  async endpointFor(organizationId: string, url: string): Promise<string> {
    const key = `${organizationId}\u0000${url}`;
    const cached = this.#endpointIds.get(key);
    if (cached !== undefined) return cached;
    const secret = await this.#stored(organizationId);
    const row = await this.#db
      .insertInto('webhook_endpoints')
      .values({
        id: newId('ep'),
        organization_id: organizationId,
        agent_id: null,
        url,
        description: 'callback URL',
        event_types: ['agent.run.completed', 'agent.job.completed'],
        secret,
        kind: 'callback',
        disabled_reason: null,
        disabled_at: null,
        deleted_at: null,
        last_success_at: null,
        last_failure_at: null,
        failing_since: null,
      })
      .onConflict((oc) =>
        oc
          .columns(['organization_id', 'url'])
          .where('kind', '=', 'callback')
          .doUpdateSet({ updated_at: sql<Date>`webhook_endpoints.updated_at` }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    if (this.#endpointIds.size >= 10_000) this.#endpointIds.clear();
    this.#endpointIds.set(key, row.id);
    return row.id;
  }
}
