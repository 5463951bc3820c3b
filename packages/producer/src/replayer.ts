import {
  DELIVERY_JOB_NAME,
  WebhookError,
  deliveryIdFor,
  jobDataFromStored,
  type Database,
  type DeliveryJobData,
  type StoredDelivery,
} from '@letta-webhooks/shared';
import type { JobsOptions } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { EndpointResolver } from './endpoint-resolver.js';
import type { EndpointStore } from './endpoint-store.js';
import type { PublishResult } from './publish-event.js';

/** One job for the queue. */
export interface QueuedJob {
  readonly name: string;
  readonly data: DeliveryJobData;
  readonly opts?: JobsOptions;
}

/** Where replay puts its jobs (the producer's queue). */
export type Enqueue = (jobs: readonly QueuedJob[]) => Promise<void>;

/** Options of `recoverEndpoint`. */
export interface RecoverOptions {
  /** Failed deliveries created at or after this time are sent again. */
  readonly since: Date;
  /** At most this many. Default 10,000. */
  readonly limit?: number;
}

/** Options of `replayEvent`: the event is found only within this scope. */
export interface ReplayScope {
  /** Only an event of this organization is found. Default: any (the producer: its own). */
  readonly organizationId?: string;
  /** Only an event of this agent is found. Default: any. */
  readonly agentId?: string;
}

const BATCH = 500;

function manualJob(row: StoredDelivery): QueuedJob {
  return {
    name: DELIVERY_JOB_NAME,
    data: jobDataFromStored(row, 'manual'),
    // A job id of its own: the scheduled job may still exist under the delivery id.
    opts: { jobId: `${row.id}-m${Date.now().toString(36)}${randomBytes(3).toString('hex')}` },
  };
}

/**
 * Sends stored deliveries again, from the body kept in Postgres — so it
 * works after BullMQ has removed the original job. Resent attempts are
 * recorded with trigger `manual`.
 */
export class Replayer {
  readonly #db: Kysely<Database>;
  readonly #enqueue: Enqueue;
  readonly #resolver: EndpointResolver;
  readonly #endpoints: EndpointStore;

  constructor(
    db: Kysely<Database>,
    enqueue: Enqueue,
    resolver: EndpointResolver,
    endpoints: EndpointStore,
  ) {
    this.#db = db;
    this.#enqueue = enqueue;
    this.#resolver = resolver;
    this.#endpoints = endpoints;
  }

  /**
   * Sends one delivery again: same event id and body, fresh signature.
   *
   * @throws {WebhookError} `NOT_FOUND` (field `deliveryId`), `ENDPOINT_DISABLED`.
   */
  async resend(deliveryId: string): Promise<{ deliveryId: string }> {
    const row = await this.#stored()
      .where('d.id', '=', deliveryId)
      .select(['ep.enabled', 'ep.deleted_at'])
      .executeTakeFirst();
    if (!row) {
      throw new WebhookError({
        code: 'NOT_FOUND',
        field: 'deliveryId',
        message: `delivery ${deliveryId} does not exist`,
      });
    }
    if (!row.enabled || row.deleted_at !== null) {
      throw new WebhookError({
        code: 'ENDPOINT_DISABLED',
        field: 'deliveryId',
        message: `endpoint ${row.endpoint_id} of delivery ${deliveryId} is disabled or deleted; enable it first`,
      });
    }
    await this.#requeue([row]);
    return { deliveryId };
  }

  /**
   * Sends again every failed delivery of an endpoint created since a time,
   * oldest first, in batches. Returns how many were enqueued.
   */
  async recover(endpointId: string, options: RecoverOptions): Promise<{ enqueued: number }> {
    await this.#endpoints.enabled(endpointId, 'endpointId', 'recovering its deliveries');
    if (Number.isNaN(options.since.getTime())) {
      throw new WebhookError({
        code: 'INVALID_INPUT',
        field: 'since',
        message: 'since: must be a valid date',
      });
    }
    const limit = Math.max(1, Math.min(options.limit ?? 10_000, 100_000));
    let enqueued = 0;
    let after = '';
    while (enqueued < limit) {
      const rows = await this.#stored()
        .where('d.endpoint_id', '=', endpointId)
        .where('d.status', '=', 'failed')
        .where('d.created_at', '>=', options.since)
        .where('d.id', '>', after)
        .orderBy('d.id')
        .limit(Math.min(BATCH, limit - enqueued))
        .execute();
      if (rows.length === 0) break;
      await this.#requeue(rows);
      enqueued += rows.length;
      after = rows.at(-1)?.id ?? after;
    }
    return { enqueued };
  }

  /**
   * Delivers a stored event to the endpoints that match it now: resends to
   * endpoints that had it, first deliveries to endpoints added since.
   *
   * Event ids are unique per organization: `scope.organizationId` picks the
   * event when two organizations used the same id. An event outside `scope`
   * is reported exactly like a missing one.
   *
   * @throws {WebhookError} `NOT_FOUND` (field `eventId`); `INVALID_INPUT`
   * (field `organizationId`) when the id is ambiguous and none was given.
   */
  async replayEvent(eventId: string, scope: ReplayScope = {}): Promise<PublishResult> {
    let query = this.#db.selectFrom('webhook_events').selectAll().where('id', '=', eventId);
    if (scope.organizationId !== undefined)
      query = query.where('organization_id', '=', scope.organizationId);
    if (scope.agentId !== undefined) query = query.where('agent_id', '=', scope.agentId);
    const found = await query.limit(2).execute();
    if (found.length > 1)
      throw new WebhookError({
        code: 'INVALID_INPUT',
        field: 'organizationId',
        message: `organizationId: event ${eventId} exists in more than one organization; say which`,
      });
    const [event] = found;
    if (!event)
      throw new WebhookError({
        code: 'NOT_FOUND',
        field: 'eventId',
        message: `event ${eventId} does not exist`,
      });
    const targets = await this.#resolver.resolve(
      event.organization_id,
      event.agent_id,
      event.event_type,
    );
    const ids = targets.map((target) => deliveryIdFor(eventId, target.id));
    const existing = new Set(
      ids.length === 0
        ? []
        : (
            await this.#db
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('id', 'in', ids)
              .execute()
          ).map((r) => r.id),
    );
    const jobs: QueuedJob[] = [];
    const resend: StoredDelivery[] = [];
    targets.forEach((target, index) => {
      const row: StoredDelivery = {
        id: ids[index] ?? '',
        event_id: eventId,
        endpoint_id: target.id,
        event_type: event.event_type,
        agent_id: event.agent_id,
        organization_id: event.organization_id,
        body: event.body,
        occurred_at: event.occurred_at,
      };
      if (existing.has(row.id)) resend.push(row);
      else
        jobs.push({
          name: DELIVERY_JOB_NAME,
          data: jobDataFromStored(row),
          opts: { jobId: row.id },
        });
    });
    if (resend.length > 0) await this.#requeue(resend);
    if (jobs.length > 0) await this.#enqueue(jobs);
    return {
      eventId,
      deliveries: targets.map((target, index) => ({
        deliveryId: ids[index] ?? '',
        endpointId: target.id,
      })),
    };
  }

  #stored() {
    return this.#db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', (join) =>
        join.onRef('e.organization_id', '=', 'd.organization_id').onRef('e.id', '=', 'd.event_id'),
      )
      .innerJoin('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id')
      .select([
        'd.id',
        'd.event_id',
        'd.endpoint_id',
        'd.event_type',
        'd.agent_id',
        'd.organization_id',
        'e.body',
        'e.occurred_at',
      ]);
  }

  // Marks the deliveries pending, then enqueues them: a worker that picks a job up finds the state it expects.
  async #requeue(rows: readonly StoredDelivery[]): Promise<void> {
    await this.#db
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: sql<Date>`now()`,
        completed_at: null,
        updated_at: sql<Date>`now()`,
      })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    await this.#enqueue(rows.map(manualJob));
  }
}
