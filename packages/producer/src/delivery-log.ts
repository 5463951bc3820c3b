import {
  WebhookError,
  deliveryStatusSchema,
  eventTypeSchema,
  parseOrThrow,
  resourceIdSchema,
  type AttemptOutcome,
  type AttemptRow,
  type AttemptTrigger,
  type Database,
  type DeliveryRow,
  type DeliveryStatus,
} from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { decodeCursor, encodeCursor, type Page } from './cursor.js';

/** Filters of `listDeliveries`. */
export const listDeliveriesInputSchema = z.strictObject({
  endpointId: z.string().min(1).optional(),
  agentId: resourceIdSchema.optional(),
  organizationId: resourceIdSchema.optional(),
  status: deliveryStatusSchema.optional(),
  eventType: eventTypeSchema.optional(),
  /** Deliveries created at or after this time. */
  since: z.coerce.date().optional(),
  /** Deliveries created before this time. */
  until: z.coerce.date().optional(),
  /** Page size. Default 50, at most 500. */
  limit: z.int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(500).optional(),
});

/** Filters of `listDeliveries`. */
export type ListDeliveriesInput = z.input<typeof listDeliveriesInputSchema>;

/** One delivery (event × endpoint) and its current state. */
export interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly eventType: string;
  readonly organizationId: string;
  readonly agentId: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

/** One HTTP attempt of a delivery. */
export interface Attempt {
  readonly attemptNumber: number;
  readonly trigger: AttemptTrigger;
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  readonly errorKind: string | null;
  readonly errorMessage: string | null;
  readonly responseExcerpt: string | null;
  readonly responseTruncated: boolean;
  readonly startedAt: Date;
  readonly durationMs: number;
}

/** A delivery with every attempt, oldest first, and the exact body sent. */
export interface DeliveryDetail extends Delivery {
  readonly body: string;
  readonly attempts: readonly Attempt[];
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    eventType: row.event_type,
    organizationId: row.organization_id,
    agentId: row.agent_id,
    status: row.status,
    attemptCount: row.attempt_count,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

function toAttempt(row: AttemptRow): Attempt {
  return {
    attemptNumber: row.attempt_number,
    trigger: row.trigger,
    outcome: row.outcome,
    statusCode: row.status_code,
    errorKind: row.error_kind,
    errorMessage: row.error_message,
    responseExcerpt: row.response_excerpt,
    responseTruncated: row.response_truncated,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
  };
}

/** Read side of deliveries and attempts. */
export class DeliveryLog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Deliveries matching the filters, newest first, a page at a time. */
  async list(input: ListDeliveriesInput = {}): Promise<Page<Delivery>> {
    const filters = parseOrThrow(listDeliveriesInputSchema, input, { what: 'delivery filters' });
    let query = this.#db.selectFrom('webhook_deliveries').selectAll();
    if (filters.endpointId !== undefined)
      query = query.where('endpoint_id', '=', filters.endpointId);
    if (filters.agentId !== undefined) query = query.where('agent_id', '=', filters.agentId);
    if (filters.organizationId !== undefined)
      query = query.where('organization_id', '=', filters.organizationId);
    if (filters.status !== undefined) query = query.where('status', '=', filters.status);
    if (filters.eventType !== undefined) query = query.where('event_type', '=', filters.eventType);
    if (filters.since !== undefined) query = query.where('created_at', '>=', filters.since);
    if (filters.until !== undefined) query = query.where('created_at', '<', filters.until);
    if (filters.cursor !== undefined) {
      const [createdAt, id] = decodeCursor('deliveries', filters.cursor);
      const at = new Date(createdAt ?? '');
      if (Number.isNaN(at.getTime()) || id === undefined) {
        throw new WebhookError({
          code: 'INVALID_INPUT',
          field: 'cursor',
          message: 'cursor: malformed position',
        });
      }
      // A row comparison, not `a < x OR (a = x AND b < y)`: Postgres reads it as
      // a condition on the (…, created_at DESC, id DESC) indexes, so a deep page
      // starts where the cursor points instead of filtering every newer row
      // (95,000 rows deep into one endpoint's log: 0.1 ms instead of 30 ms).
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(at, id)));
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filters.limit + 1)
      .execute();
    const page = rows.slice(0, filters.limit);
    const last = page.at(-1);
    return {
      data: page.map(toDelivery),
      nextCursor:
        rows.length > filters.limit && last
          ? encodeCursor('deliveries', [last.created_at.toISOString(), last.id])
          : null,
    };
  }

  /** One delivery with its body and every attempt, or undefined. */
  async get(id: string): Promise<DeliveryDetail | undefined> {
    const row = await this.#db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', (join) =>
        join.onRef('e.organization_id', '=', 'd.organization_id').onRef('e.id', '=', 'd.event_id'),
      )
      .selectAll('d')
      .select('e.body')
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const attempts = await this.#db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', '=', id)
      .orderBy('id')
      .execute();
    return { ...toDelivery(row), body: row.body, attempts: attempts.map(toAttempt) };
  }
}
