import type { Database, SecretCipher } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';

/**
 * The start-up check that this worker can open every stored secret: each key
 * id that seals one must be in `WEBHOOK_SECRET_ENCRYPTION_KEYS`. A missing
 * key is logged once at error level (its id, never a key) and fails
 * readiness; deliveries to the endpoints concerned record a `configuration`
 * attempt each until the key is added.
 */
export class SecretKeyCheck {
  readonly #db: Kysely<Database>;
  readonly #cipher: SecretCipher;
  readonly #logger: Logger;
  #result: Promise<readonly string[]> | undefined;

  constructor(db: Kysely<Database>, cipher: SecretCipher, logger: Logger) {
    this.#db = db;
    this.#cipher = cipher;
    this.#logger = logger;
  }

  /** Key ids in use but not configured; asks Postgres once, again after a failed try. */
  missing(): Promise<readonly string[]> {
    this.#result ??= this.#check().catch((error: unknown) => {
      this.#result = undefined;
      throw error;
    });
    return this.#result;
  }

  /** The `/readyz` check: fails naming the key ids not configured. */
  readonly readiness = async (): Promise<void> => {
    const missing = await this.missing();
    if (missing.length > 0)
      throw new Error(`secrets sealed with keys not configured: ${missing.join(', ')}`);
  };

  async #check(): Promise<readonly string[]> {
    const { rows } = await sql<{ key_id: string }>`
      SELECT DISTINCT split_part(stored, ':', 3) AS key_id FROM (
        SELECT secret AS stored FROM webhook_endpoints WHERE deleted_at IS NULL
        UNION ALL
        SELECT p->>'secret' FROM webhook_endpoints, jsonb_array_elements(previous_secrets) AS p
        WHERE deleted_at IS NULL
        UNION ALL
        SELECT secret FROM webhook_organization_secrets
      ) AS secrets
      WHERE stored LIKE 'enc:v1:%'
    `.execute(this.#db);
    const missing = rows.map((row) => row.key_id).filter((id) => !this.#cipher.has(id));
    if (missing.length > 0) {
      this.#logger.error(
        { keyIds: missing },
        `secrets are sealed with ${missing.map((id) => `key "${id}"`).join(', ')}, not configured in WEBHOOK_SECRET_ENCRYPTION_KEYS: deliveries to those endpoints fail until it is added`,
      );
    }
    return missing;
  }
}
