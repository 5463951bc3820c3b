import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AttemptErrorKind,
  AttemptTrigger,
  Database,
  DeliveryJobData,
  DeliveryStatus,
} from '@letta-webhooks/shared';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AttemptVerdict } from '../classify-attempt.js';
import type { HttpAttemptResult } from '../http/attempt-result.js';
import { BatchLoader } from './batch-loader.js';
import { GroupCommitter, type BatchObserver } from './group-commit.js';

/** One attempt and the delivery state it leads to. */
export interface AttemptRecord {
  readonly job: DeliveryJobData;
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

/**
 * Reads and writes delivery state in Postgres. Reads are coalesced into one
 * query per batch; writes go through group commit — one transaction, one WAL
 * flush, for every attempt that finished while the previous commit ran.
 */
export class DeliveryRecorder {
  readonly #disableAfterFailingMs: number;
  readonly #states: BatchLoader<string, DeliveryState>;
  readonly #writes: GroupCommitter;

  /** `disableAfterFailingMs`: an endpoint failing for this long is disabled (0: never). */
  constructor(db: Kysely<Database>, disableAfterFailingMs: number, observe?: BatchObserver) {
    this.#disableAfterFailingMs = disableAfterFailingMs;
    this.#states = new BatchLoader(async (ids) => {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select(['id', 'status', 'attempt_count'])
        .where('id', 'in', ids)
        .execute();
      return new Map(
        rows.map((row) => [row.id, { status: row.status, attemptCount: row.attempt_count }]),
      );
    });
    this.#writes = new GroupCommitter(db, observe ? { observe } : {});
  }

  /** The delivery's state, or undefined when it has no row yet (never attempted). */
  state(deliveryId: string): Promise<DeliveryState | undefined> {
    return withRetry(() => this.#states.get(deliveryId));
  }

  /**
   * Records one attempt: creates the event and delivery rows on the first,
   * moves the delivery to its new state, updates the endpoint's health (a
   * 410, or failures for longer than the disable window, disable it) — one
   * statement, committed with its group before this resolves.
   */
  recordAttempt(record: AttemptRecord): Promise<RecordOutcome> {
    return withRetry(() => this.#writes.run((trx) => this.#recordAttempt(trx, record)));
  }

  /** Settles a delivery as cancelled (creating its rows if needed), unless it already settled. */
  cancel(job: DeliveryJobData, reason: string): Promise<void> {
    return withRetry(() =>
      this.#writes.run(async (trx) => {
        await sql`
          WITH event AS (${insertEvent(job)})
          INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id,
            status, last_error, completed_at)
          VALUES (${job.deliveryId}, ${job.eventId}, ${job.endpointId}, ${job.eventType}, ${job.organizationId},
            ${job.agentId}, 'cancelled', ${reason}, now())
          ON CONFLICT (id) DO UPDATE SET status = 'cancelled', last_error = excluded.last_error,
            next_attempt_at = NULL, completed_at = now(), updated_at = now()
          WHERE webhook_deliveries.status = 'pending'
        `.execute(trx);
      }),
    );
  }

  async #recordAttempt(trx: Transaction<Database>, record: AttemptRecord): Promise<RecordOutcome> {
    const { job, result, verdict } = record;
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
    const status = record.status;
    const { rows } = await sql<{ disabled: boolean }>`
      WITH event AS (${insertEvent(job)}),
      delivery AS (
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status,
          attempt_count, last_status_code, last_error, last_trigger, next_attempt_at, completed_at)
        VALUES (${job.deliveryId}, ${job.eventId}, ${job.endpointId}, ${job.eventType}, ${job.organizationId},
          ${job.agentId}, ${status}, 1, ${result.statusCode ?? null}, ${verdict.errorMessage}, ${record.trigger},
          ${record.nextAttemptAt}, CASE WHEN ${status}::text = 'pending' THEN NULL ELSE now() END)
        ON CONFLICT (id) DO UPDATE SET
          -- A late duplicate attempt must not undo a success.
          status = CASE WHEN webhook_deliveries.status = 'succeeded' AND excluded.last_trigger = 'scheduled'
            THEN webhook_deliveries.status ELSE excluded.status END,
          attempt_count = webhook_deliveries.attempt_count + 1,
          last_status_code = excluded.last_status_code,
          last_error = excluded.last_error,
          last_trigger = excluded.last_trigger,
          next_attempt_at = excluded.next_attempt_at,
          completed_at = CASE WHEN excluded.status = 'pending' THEN NULL
            ELSE coalesce(webhook_deliveries.completed_at, now()) END,
          updated_at = now()
        RETURNING id
      ), attempt AS (
        INSERT INTO webhook_attempts (delivery_id, attempt_number, trigger, outcome, status_code, error_kind,
          error_message, response_excerpt, response_truncated, started_at, duration_ms)
        SELECT id, ${record.attemptNumber}, ${record.trigger}, ${verdict.outcome}, ${result.statusCode ?? null},
          ${errorKind}, ${verdict.errorMessage ?? result.error?.message ?? null}, ${result.excerpt ?? null},
          ${result.truncated}, ${result.startedAt}, ${result.durationMs}
        FROM delivery
      ), success AS (
        UPDATE webhook_endpoints SET last_success_at = now(), failing_since = NULL, consecutive_failures = 0
        WHERE id = ${job.endpointId} AND ${health} = 'success'
          -- Skip the write when little would change: keeps a busy endpoint's row cool.
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
        WHERE id = ${job.endpointId} AND ${health} = 'failure' AND enabled
          AND (${verdict.endpointGone} OR (${windowMs}::bigint > 0
            AND failing_since < now() - ${windowMs}::bigint * interval '1 millisecond'))
        RETURNING true AS disabled
      ), failure_count AS (
        UPDATE webhook_endpoints SET
          last_failure_at = now(),
          failing_since = coalesce(failing_since, now()),
          consecutive_failures = consecutive_failures + 1
        WHERE id = ${job.endpointId} AND ${health} = 'failure'
          AND NOT EXISTS (SELECT 1 FROM failure)
      )
      SELECT disabled FROM failure
    `.execute(trx);
    return { endpointDisabled: rows.length > 0 };
  }
}

function insertEvent(job: DeliveryJobData) {
  return sql`
    INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
    VALUES (${job.eventId}, ${job.eventType}, ${job.organizationId}, ${job.agentId}, ${job.body}, ${job.occurredAt})
    ON CONFLICT (id) DO NOTHING
  `;
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
