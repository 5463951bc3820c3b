import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AttemptErrorKind,
  AttemptTrigger,
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
  readonly trigger: AttemptTrigger;
  readonly result: HttpAttemptResult;
  readonly verdict: AttemptVerdict;
  /** The delivery's state after this attempt. */
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: Date | null;
}

/** A delivery's state as a worker sees it before an attempt. */
export interface DeliveryState {
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
}

/** What recording an attempt did to the endpoint. */
export interface RecordOutcome {
  /** Set when this attempt disabled the endpoint (410, or failing too long). */
  readonly endpointDisabled: boolean;
}

// Postgres may blip (restart, failover); an attempt already made must still
// be recorded, so writes are retried for about ten seconds before giving up.
const RETRY_DELAYS_MS = [100, 300, 1_000, 2_000, 3_000, 4_000];

/** Writes deliveries and attempts to Postgres, each change in one statement. */
export class DeliveryRecorder {
  readonly #db: Kysely<Database>;
  readonly #disableAfterFailingMs: number;

  /** `disableAfterFailingMs`: an endpoint failing for this long is disabled (0: never). */
  constructor(db: Kysely<Database>, disableAfterFailingMs: number) {
    this.#db = db;
    this.#disableAfterFailingMs = disableAfterFailingMs;
  }

  /**
   * Makes sure the event and delivery rows exist and returns the delivery's
   * state: a status other than `pending` means it is already settled.
   */
  async ensureDelivery(job: DeliveryJobData): Promise<DeliveryState> {
    return withRetry(async () => {
      const { rows } = await sql<{ status: DeliveryStatus; attempt_count: number }>`
        WITH event AS (
          INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
          VALUES (${job.eventId}, ${job.eventType}, ${job.organizationId}, ${job.agentId}, ${job.body}, ${job.occurredAt})
          ON CONFLICT (id) DO NOTHING
        ), inserted AS (
          INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id)
          VALUES (${job.deliveryId}, ${job.eventId}, ${job.endpointId}, ${job.eventType}, ${job.organizationId}, ${job.agentId})
          ON CONFLICT (id) DO NOTHING
          RETURNING status, attempt_count
        )
        SELECT status, attempt_count FROM inserted
        UNION ALL
        SELECT status, attempt_count FROM webhook_deliveries WHERE id = ${job.deliveryId}
        LIMIT 1
      `.execute(this.#db);
      const row = rows[0];
      if (row === undefined)
        throw new Error(`delivery ${job.deliveryId} was neither found nor created`);
      return { status: row.status, attemptCount: row.attempt_count };
    });
  }

  /**
   * Records one attempt, moves the delivery to its new state and updates the
   * endpoint's health — all in one statement. A 410, or failures for longer
   * than the disable window with no success, disable the endpoint.
   */
  async recordAttempt(record: AttemptRecord): Promise<RecordOutcome> {
    const { result, verdict } = record;
    const errorKind: AttemptErrorKind | null =
      verdict.errorKind === 'aborted' ? 'connection' : verdict.errorKind;
    // An attempt cut short by our own shutdown says nothing about the endpoint.
    const health =
      verdict.errorKind === 'aborted'
        ? 'none'
        : verdict.outcome === 'succeeded'
          ? 'success'
          : 'failure';
    const windowMs = this.#disableAfterFailingMs;
    const { rows } = await withRetry(() =>
      sql<{ disabled: boolean }>`
        WITH attempt AS (
          INSERT INTO webhook_attempts (delivery_id, attempt_number, trigger, outcome, status_code, error_kind,
            error_message, response_excerpt, response_truncated, started_at, duration_ms)
          VALUES (${record.deliveryId}, ${record.attemptNumber}, ${record.trigger}, ${verdict.outcome},
            ${result.statusCode ?? null}, ${errorKind}, ${verdict.errorMessage ?? result.error?.message ?? null},
            ${result.excerpt ?? null}, ${result.truncated}, ${result.startedAt}, ${result.durationMs})
        ), delivery AS (
          UPDATE webhook_deliveries SET
            -- A late duplicate attempt must not undo a success.
            status = CASE WHEN status = 'succeeded' AND ${record.trigger} = 'scheduled' THEN status ELSE ${record.status} END,
            attempt_count = attempt_count + 1,
            last_status_code = ${result.statusCode ?? null},
            last_error = ${verdict.errorMessage},
            last_trigger = ${record.trigger},
            next_attempt_at = ${record.nextAttemptAt},
            completed_at = CASE WHEN ${record.status} = 'pending' THEN NULL ELSE coalesce(completed_at, now()) END,
            updated_at = now()
          WHERE id = ${record.deliveryId}
        ), success AS (
          UPDATE webhook_endpoints SET last_success_at = now(), failing_since = NULL, consecutive_failures = 0
          WHERE id = ${record.endpointId} AND ${health} = 'success'
            -- Skip the write when nothing would change much: keeps a busy endpoint's row cool.
            AND (consecutive_failures > 0 OR last_success_at IS NULL OR last_success_at < now() - interval '10 seconds')
        ), failure AS (
          UPDATE webhook_endpoints SET
            last_failure_at = now(),
            failing_since = coalesce(failing_since, now()),
            consecutive_failures = consecutive_failures + 1,
            enabled = false,
            disabled_reason = CASE WHEN ${verdict.endpointGone} THEN 'receiver answered 410 Gone'
              ELSE 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                || ' with no success' END,
            disabled_at = now(),
            updated_at = now()
          WHERE id = ${record.endpointId} AND ${health} = 'failure' AND enabled
            AND (${verdict.endpointGone} OR (${windowMs}::bigint > 0
              AND failing_since < now() - ${windowMs}::bigint * interval '1 millisecond'))
          RETURNING true AS disabled
        ), failure_count AS (
          UPDATE webhook_endpoints SET
            last_failure_at = now(),
            failing_since = coalesce(failing_since, now()),
            consecutive_failures = consecutive_failures + 1
          WHERE id = ${record.endpointId} AND ${health} = 'failure'
            AND NOT EXISTS (SELECT 1 FROM failure)
        )
        SELECT disabled FROM failure
      `.execute(this.#db),
    );
    return { endpointDisabled: rows.length > 0 };
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
