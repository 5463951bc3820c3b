import {
  WebhookError,
  generateSecret,
  newId,
  parseOrThrow,
  urlRefusal,
  type AddressGuard,
  type Database,
} from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';
import {
  createEndpointInputSchema,
  listEndpointsInputSchema,
  toEndpoint,
  type CreateEndpointInput,
  type Endpoint,
  type EndpointWithSecret,
  type ListEndpointsInput,
} from './endpoint.js';

/**
 * Endpoint records in Postgres. Every change calls `onChange` so look-up
 * caches drop what they hold.
 */
export class EndpointStore {
  readonly #db: Kysely<Database>;
  readonly #guard: AddressGuard;
  readonly #onChange: () => void;

  constructor(db: Kysely<Database>, guard: AddressGuard, onChange: () => void) {
    this.#db = db;
    this.#guard = guard;
    this.#onChange = onChange;
  }

  /** Registers an endpoint; the result carries its secret, shown this once. */
  async create(input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const parsed = parseOrThrow(createEndpointInputSchema, input, { what: 'endpoint' });
    const refusal = urlRefusal(parsed.url, this.#guard);
    if (refusal !== undefined) {
      throw new WebhookError({ code: 'INVALID_URL', field: 'url', message: `url: ${refusal}` });
    }
    const secret = parsed.secret ?? generateSecret();
    const row = await this.#db
      .insertInto('webhook_endpoints')
      .values({
        id: newId('ep'),
        organization_id: parsed.organizationId,
        agent_id: parsed.agentId ?? null,
        url: parsed.url,
        description: parsed.description ?? '',
        event_types: [...new Set(parsed.eventTypes)],
        secret,
        metadata: parsed.metadata ?? {},
        disabled_reason: null,
        disabled_at: null,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.#onChange();
    return { ...toEndpoint(row), secret };
  }

  /** One endpoint by id, or undefined when there is none (or it was deleted). */
  async get(id: string): Promise<Endpoint | undefined> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toEndpoint(row);
  }

  /** Endpoints matching the filters, oldest first. */
  async list(input: ListEndpointsInput = {}): Promise<Endpoint[]> {
    const filters = parseOrThrow(listEndpointsInputSchema, input, { what: 'endpoint filters' });
    let query = this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('deleted_at', 'is', null);
    if (filters.organizationId !== undefined)
      query = query.where('organization_id', '=', filters.organizationId);
    if (filters.agentId !== undefined) query = query.where('agent_id', '=', filters.agentId);
    if (filters.enabled !== undefined) query = query.where('enabled', '=', filters.enabled);
    const rows = await query.orderBy('id').limit(filters.limit).execute();
    return rows.map(toEndpoint);
  }

  /**
   * Deletes an endpoint: it receives nothing more, and its pending deliveries
   * are cancelled when a worker next picks them up.
   *
   * @throws {WebhookError} `NOT_FOUND` when there is no such endpoint.
   */
  async delete(id: string): Promise<void> {
    const result = await this.#db
      .updateTable('webhook_endpoints')
      .set({
        deleted_at: new Date(),
        enabled: false,
        disabled_reason: 'deleted',
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw new WebhookError({
        code: 'NOT_FOUND',
        field: 'id',
        message: `endpoint ${id} does not exist`,
      });
    }
    this.#onChange();
  }
}
