import {
  WebhookError,
  generateSecret,
  newId,
  parseOrThrow,
  urlRefusal,
  type AddressGuard,
  type Database,
  type EndpointRow,
  type PreviousSecret,
  type SecretCipher,
} from '@letta-webhooks/shared';
import { sql, type Kysely, type Transaction } from 'kysely';
import { decodeCursor, encodeCursor, type Page } from './cursor.js';
import {
  createEndpointInputSchema,
  listEndpointsInputSchema,
  rotateSecretInputSchema,
  toEndpoint,
  toHealth,
  updateEndpointInputSchema,
  type CreateEndpointInput,
  type Endpoint,
  type EndpointHealth,
  type EndpointWithSecret,
  type ListEndpointsInput,
  type RotateSecretInput,
  type UpdateEndpointInput,
} from './endpoint.js';

/** At most this many rotated-out secrets stay valid at once. */
export const MAX_PREVIOUS_SECRETS = 3;

/** What the store needs besides Postgres. */
export interface EndpointStoreHooks {
  /** After every committed change: drop caches here and in every other process. */
  readonly changed: (endpointId: string) => Promise<void>;
  /** Removes queued jobs of deliveries that were just cancelled. */
  readonly removeJobs: (deliveryIds: readonly string[]) => Promise<void>;
}

function notFound(id: string, field = 'id'): WebhookError {
  return new WebhookError({
    code: 'NOT_FOUND',
    field,
    message: `endpoint ${id} does not exist`,
  });
}

/** Endpoint records in Postgres: every change in one transaction, then announced. */
export class EndpointStore {
  readonly #db: Kysely<Database>;
  readonly #guard: AddressGuard;
  readonly #hooks: EndpointStoreHooks;
  readonly #cipher: SecretCipher;

  constructor(
    db: Kysely<Database>,
    guard: AddressGuard,
    cipher: SecretCipher,
    hooks: EndpointStoreHooks,
  ) {
    this.#db = db;
    this.#guard = guard;
    this.#cipher = cipher;
    this.#hooks = hooks;
  }

  /** Registers an endpoint; the result carries its secret, shown this once. */
  async create(input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const parsed = parseOrThrow(createEndpointInputSchema, input, { what: 'endpoint' });
    this.#checkUrl(parsed.url);
    const secret = parsed.secret ?? generateSecret();
    const row = await this.#db
      .insertInto('webhook_endpoints')
      .values({
        id: newId('ep'),
        organization_id: parsed.organizationId,
        agent_id: parsed.agentId ?? null,
        url: parsed.url,
        description: parsed.description ?? '',
        event_types: parsed.eventTypes,
        secret: this.#cipher.seal(secret),
        metadata: parsed.metadata ?? {},
        disabled_reason: null,
        disabled_at: null,
        deleted_at: null,
        last_success_at: null,
        last_failure_at: null,
        failing_since: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#hooks.changed(row.id);
    return { ...toEndpoint(row), secret };
  }

  /** One endpoint by id, or undefined when there is none (or it was deleted). */
  async get(id: string): Promise<Endpoint | undefined> {
    const row = await this.#row(this.#db, id);
    return row && toEndpoint(row);
  }

  /**
   * An endpoint that may be sent to now, for an operation named in the error (`before ${doing}`).
   *
   * @throws {WebhookError} `NOT_FOUND` or `ENDPOINT_DISABLED`, naming `field`.
   */
  async enabled(id: string, field: string, doing: string): Promise<Endpoint> {
    const endpoint = await this.get(id);
    if (endpoint === undefined) throw notFound(id, field);
    if (!endpoint.enabled) {
      throw new WebhookError({
        code: 'ENDPOINT_DISABLED',
        field,
        message: `endpoint ${id} is disabled; enable it before ${doing}`,
      });
    }
    return endpoint;
  }

  /** An endpoint's current secret, for showing to its owner. */
  async secret(id: string): Promise<string> {
    return this.#cipher.open((await this.#required(this.#db, id)).secret);
  }

  /** How an endpoint has been doing: last success, failures, why it is disabled. */
  async health(id: string): Promise<EndpointHealth> {
    return toHealth(await this.#required(this.#db, id));
  }

  /** Endpoints matching the filters, oldest first, a page at a time. */
  async list(input: ListEndpointsInput = {}): Promise<Page<Endpoint>> {
    const filters = parseOrThrow(listEndpointsInputSchema, input, { what: 'endpoint filters' });
    let query = this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('kind', '=', filters.kind);
    if (filters.organizationId !== undefined)
      query = query.where('organization_id', '=', filters.organizationId);
    if (filters.agentId !== undefined) query = query.where('agent_id', '=', filters.agentId);
    if (filters.enabled !== undefined) query = query.where('enabled', '=', filters.enabled);
    if (filters.cursor !== undefined) {
      const [after] = decodeCursor('endpoints', filters.cursor);
      query = query.where('id', '>', after ?? '');
    }
    // Ids are time-ordered, so ordering by id is creation order and stable.
    const rows = await query
      .orderBy('id')
      .limit(filters.limit + 1)
      .execute();
    const page = rows.slice(0, filters.limit);
    const last = page.at(-1);
    return {
      data: page.map(toEndpoint),
      nextCursor: rows.length > filters.limit && last ? encodeCursor('endpoints', [last.id]) : null,
    };
  }

  /**
   * Changes an endpoint's URL, event types, description, metadata or enabled
   * flag. Disabling cancels its pending deliveries.
   *
   * @throws {WebhookError} `NOT_FOUND`, or `INVALID_INPUT`/`INVALID_URL` naming the field.
   */
  async update(id: string, input: UpdateEndpointInput): Promise<Endpoint> {
    const patch = parseOrThrow(updateEndpointInputSchema, input, { what: 'endpoint update' });
    if (patch.url !== undefined) this.#checkUrl(patch.url);
    const enabled =
      patch.enabled === undefined
        ? {}
        : this.#enabledColumns(patch.enabled, 'disabled by operator');
    return this.#change(id, async (trx) =>
      trx
        .updateTable('webhook_endpoints')
        .set({
          ...(patch.url === undefined ? {} : { url: patch.url }),
          ...(patch.eventTypes === undefined ? {} : { event_types: patch.eventTypes }),
          ...(patch.description === undefined ? {} : { description: patch.description }),
          ...(patch.metadata === undefined ? {} : { metadata: patch.metadata }),
          ...enabled,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  /** Disables an endpoint with a recorded reason; its pending deliveries are cancelled. */
  async disable(id: string, reason = 'disabled by operator'): Promise<Endpoint> {
    return this.#change(id, (trx) =>
      trx
        .updateTable('webhook_endpoints')
        .set({ ...this.#enabledColumns(false, reason), updated_at: sql<Date>`now()` })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  /** Enables an endpoint again, clearing its disabled reason and failure record. */
  async enable(id: string): Promise<Endpoint> {
    return this.#change(id, (trx) =>
      trx
        .updateTable('webhook_endpoints')
        .set({ ...this.#enabledColumns(true, null), updated_at: sql<Date>`now()` })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  /**
   * Replaces an endpoint's secret. The old one keeps signing alongside the new
   * one for `overlapMs` (default 24 h; 0 revokes it at once); at most
   * {@link MAX_PREVIOUS_SECRETS} old secrets stay valid. Returns the new secret.
   */
  async rotateSecret(
    id: string,
    input: RotateSecretInput = {},
  ): Promise<{ secret: string; previousValidUntil: Date | null }> {
    const options = parseOrThrow(rotateSecretInputSchema, input, { what: 'rotation options' });
    const secret = options.secret ?? generateSecret();
    const validUntil = options.overlapMs > 0 ? new Date(Date.now() + options.overlapMs) : null;
    await this.#change(id, async (trx, current) => {
      const now = new Date().toISOString();
      const previous: PreviousSecret[] =
        validUntil === null
          ? []
          : [
              { secret: current.secret, expires_at: validUntil.toISOString() },
              ...current.previous_secrets.filter((p) => p.expires_at > now),
            ].slice(0, MAX_PREVIOUS_SECRETS);
      return trx
        .updateTable('webhook_endpoints')
        .set({
          secret: this.#cipher.seal(secret),
          previous_secrets: sql<PreviousSecret[]>`${JSON.stringify(previous)}::jsonb`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return { secret, previousValidUntil: validUntil };
  }

  /**
   * Deletes an endpoint: it receives nothing more, its pending deliveries are
   * cancelled and their queued jobs removed. History stays in the delivery log.
   */
  async delete(id: string): Promise<void> {
    await this.#change(id, (trx) =>
      trx
        .updateTable('webhook_endpoints')
        .set({
          ...this.#enabledColumns(false, 'deleted'),
          deleted_at: sql<Date>`now()`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  #checkUrl(url: string): void {
    const refusal = urlRefusal(url, this.#guard);
    if (refusal !== undefined)
      throw new WebhookError({ code: 'INVALID_URL', field: 'url', message: `url: ${refusal}` });
  }

  #enabledColumns(enabled: boolean, reason: string | null) {
    return enabled
      ? {
          enabled: true,
          disabled_reason: null,
          disabled_at: null,
          failing_since: null,
          consecutive_failures: 0,
        }
      : { enabled: false, disabled_reason: reason, disabled_at: sql<Date>`now()` };
  }

  async #row(db: Kysely<Database>, id: string, lock = false): Promise<EndpointRow | undefined> {
    let query = db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null);
    if (lock) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  async #required(db: Kysely<Database>, id: string, lock = false): Promise<EndpointRow> {
    const row = await this.#row(db, id, lock);
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * Runs `apply` on the locked row in a transaction; if the endpoint ends up
   * disabled, its pending deliveries are cancelled in the same transaction.
   * After commit, queued jobs of those deliveries are removed and the change
   * is announced.
   */
  async #change(
    id: string,
    apply: (trx: Transaction<Database>, current: EndpointRow) => Promise<EndpointRow>,
  ): Promise<Endpoint> {
    const { row, cancelled } = await this.#db.transaction().execute(async (trx) => {
      const current = await this.#required(trx, id, true);
      const updated = await apply(trx, current);
      const cancelledRows = updated.enabled
        ? []
        : await trx
            .updateTable('webhook_deliveries')
            .set({
              status: 'cancelled',
              last_error: `endpoint ${updated.deleted_at === null ? `disabled: ${updated.disabled_reason ?? ''}` : 'deleted'}`,
              next_attempt_at: null,
              completed_at: sql<Date>`now()`,
              updated_at: sql<Date>`now()`,
            })
            .where('endpoint_id', '=', id)
            .where('status', '=', 'pending')
            .returning('id')
            .execute();
      return { row: updated, cancelled: cancelledRows.map((r) => r.id) };
    });
    if (cancelled.length > 0) await this.#hooks.removeJobs(cancelled);
    await this.#hooks.changed(id);
    return toEndpoint(row);
  }
}
