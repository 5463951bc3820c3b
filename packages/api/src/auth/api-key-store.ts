import {
  WebhookError,
  newId,
  parseOrThrow,
  resourceIdSchema,
  type ApiKeyRow,
  type Database,
} from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { DISPLAY_PREFIX_LENGTH, generateApiKey, hashApiKey } from './api-key.js';

/** Input of {@link ApiKeyStore.create}: an organization's key, or an admin key. */
export const createApiKeyInputSchema = z.union([
  z.strictObject({
    organizationId: resourceIdSchema,
    name: z.string().max(200).optional(),
  }),
  z.strictObject({
    admin: z.literal(true),
    name: z.string().max(200).optional(),
  }),
]);

/** Input of {@link ApiKeyStore.create}. */
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

/** An API key as listed: never the key itself. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly organizationId: string | null;
  readonly admin: boolean;
  /** The first characters of the key (`lwk_AbCdEfGh`). */
  readonly prefix: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    organizationId: row.organization_id,
    admin: row.admin,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** API keys in Postgres, stored only as SHA-256 hashes. */
export class ApiKeyStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Creates a key. The result carries the key itself, shown this once. */
  async create(input: CreateApiKeyInput): Promise<ApiKeyInfo & { readonly key: string }> {
    const parsed = parseOrThrow(createApiKeyInputSchema, input, { what: 'API key' });
    const key = generateApiKey();
    const row = await this.#db
      .insertInto('webhook_api_keys')
      .values({
        id: newId('key'),
        name: parsed.name ?? '',
        organization_id: 'organizationId' in parsed ? parsed.organizationId : null,
        admin: 'admin' in parsed,
        key_hash: hashApiKey(key),
        key_prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...toInfo(row), key };
  }

  /** Keys, oldest first: every key, or one organization's. Revoked keys too, unless told not to. */
  async list(
    options: { readonly organizationId?: string; readonly includeRevoked?: boolean } = {},
  ): Promise<ApiKeyInfo[]> {
    let query = this.#db.selectFrom('webhook_api_keys').selectAll().orderBy('id');
    if (options.organizationId !== undefined)
      query = query.where('organization_id', '=', options.organizationId);
    if (options.includeRevoked === false) query = query.where('revoked_at', 'is', null);
    return (await query.execute()).map(toInfo);
  }

  /**
   * Revokes a key. Processes that cached it stop accepting it within the
   * key cache TTL (at most 5 s).
   *
   * @throws {WebhookError} `NOT_FOUND` (field `id`).
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const row = await this.#db
      .updateTable('webhook_api_keys')
      .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new WebhookError({
        code: 'NOT_FOUND',
        field: 'id',
        message: `API key ${id} does not exist`,
      });
    return toInfo(row);
  }

  /** The key with this hash, if it exists and is not revoked. */
  async findActive(hash: Buffer): Promise<ApiKeyRow | undefined> {
    return this.#db
      .selectFrom('webhook_api_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }
}
