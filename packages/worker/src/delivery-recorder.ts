import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AttemptErrorKind,
  Database,
  DeliveryJobData,
  DeliveryStatus,
} from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import type { AttemptVerdict } from './classify-attempt.js';
import type { HttpAttemptResult } from './http/attempt-result.js';

/** One attempt and the delivery state it leads to. */
export interface AttemptRecord {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly attemptNumber: number;
  readonly result: HttpAttemptResult;
  readonly verdict: AttemptVerdict;
  /** The delivery's state after this attempt. */
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: Date | null;
}

// Postgres may blip (restart, failover); an attempt already made must still
// be recorded, so writes are retried for about ten seconds before giving up.
const RETRY_DELAYS_MS = [100, 300, 1_000, 2_000, 3_000, 4_000];

/** Writes deliveries and attempts to Postgres, each change in one statement. */
export class DeliveryRecorder {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Makes sure the event and delivery rows exist and returns the delivery's
   * state: anything but `pending` means it is already settled.
   */
  async ensureDelivery(job: DeliveryJobData): Promise<DeliveryStatus> {
    return withRetry(async () => {
      const { rows } = await sql<{ status: DeliveryStatus }>`
        WITH event AS (
          INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
          VALUES (${job.eventId}, ${job.eventType}, ${job.organizationId}, ${job.agentId}, ${job.body}, ${job.occurredAt})
          ON CONFLICT (id) DO NOTHING
        ), inserted AS (
          INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id)
          VALUES (${job.deliveryId}, ${job.eventId}, ${job.endpointId}, ${job.eventType}, ${job.organizationId}, ${job.agentId})
          ON CONFLICT (id) DO NOTHING
          RETURNING status
        )
        SELECT status FROM inserted
        UNION ALL
        SELECT status FROM webhook_deliveries WHERE id = ${job.deliveryId}
        LIMIT 1
      `.execute(this.#db);
      const status = rows[0]?.status;
      if (status === undefined)
        throw new Error(`delivery ${job.deliveryId} was neither found nor created`);
      return status;
    });
  }

  /** Records one attempt and moves the delivery (and, on 410, the endpoint) to its new state. */
  async recordAttempt(record: AttemptRecord): Promise<void> {
    const { result, verdict } = record;
    const errorKind = verdict.errorKind === 'aborted' ? 'connection' : verdict.errorKind;
    await withRetry(() =>
      this.#db
        .with('attempt', (db) =>
          db.insertInto('webhook_attempts').values({
            delivery_id: record.deliveryId,
            attempt_number: record.attemptNumber,
            outcome: verdict.outcome,
            status_code: result.statusCode ?? null,
            error_kind: errorKind satisfies AttemptErrorKind | null,
            error_message: verdict.errorMessage ?? result.error?.message ?? null,
            response_excerpt: result.excerpt ?? null,
            response_truncated: result.truncated,
            started_at: result.startedAt,
            duration_ms: result.durationMs,
          }),
        )
        .with('endpoint', (db) =>
          db
            .updateTable('webhook_endpoints')
            .set({
              enabled: false,
              disabled_reason: 'receiver answered 410 Gone',
              disabled_at: sql<Date>`now()`,
              updated_at: sql<Date>`now()`,
            })
            .where('id', '=', record.endpointId)
            .where('enabled', '=', true)
            .where(sql.lit(verdict.endpointGone)),
        )
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          // A late duplicate attempt must not undo a success.
          status: eb
            .case()
            .when('status', '=', 'succeeded')
            .then(eb.ref('status'))
            .else(eb.val(record.status))
            .end(),
          attempt_count: eb('attempt_count', '+', 1),
          last_status_code: result.statusCode ?? null,
          last_error: verdict.errorMessage,
          next_attempt_at: record.nextAttemptAt,
          completed_at:
            record.status === 'pending' ? null : sql<Date>`coalesce(completed_at, now())`,
          updated_at: sql<Date>`now()`,
        }))
        .where('id', '=', record.deliveryId)
        .execute(),
    );
  }

  /** Settles a pending delivery as cancelled, with the reason. */
  async cancel(deliveryId: string, reason: string): Promise<void> {
    await withRetry(() =>
      this.#db
        .updateTable('webhook_deliveries')
        .set({
          status: 'cancelled',
          last_error: reason,
          next_attempt_at: null,
          completed_at: sql<Date>`now()`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', deliveryId)
        .where('status', '=', 'pending')
        .execute(),
    );
  }
}

async function withRetry<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isTransient(error)) throw error;
      await sleep(delay);
    }
  }
}

// Connection-level failures are worth retrying; SQL errors (constraint, syntax) are not.
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return true;
  return /^(08|57P|53)/.test(code) || /^E[A-Z]+$/.test(code);
}
