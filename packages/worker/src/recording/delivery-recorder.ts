import { setTimeout as sleep } from 'node:timers/promises';
import {
  Coalescer,
  type BatchObserver,
  type AttemptErrorKind,
  type AttemptTrigger,
  type Database,
  type DeliveryJobData,
  type DeliveryStatus,
} from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import type { AttemptVerdict } from '../classify-attempt.js';
import type { HttpAttemptResult } from '../http/attempt-result.js';

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
 * query per batch. Attempts are recorded by group commit: every attempt that
 * finished while the previous commit ran is written by one set-based
 * statement — one round trip, one transaction, one WAL flush — and each
 * attempt's promise resolves only after that commit.
 */
export class DeliveryRecorder {
  readonly #db: Kysely<Database>;
  readonly #disableAfterFailingMs: number;
  readonly #states: Coalescer<string, DeliveryState | undefined>;
  readonly #attempts: Coalescer<AttemptRecord, RecordOutcome>;

  /** `disableAfterFailingMs`: an endpoint failing for this long is disabled (0: never). */
  constructor(db: Kysely<Database>, disableAfterFailingMs: number, observe?: BatchObserver) {
    this.#db = db;
    this.#disableAfterFailingMs = disableAfterFailingMs;
    this.#states = new Coalescer(
      async (ids) => {
        const rows = await db
          .selectFrom('webhook_deliveries')
          .select(['id', 'status', 'attempt_count'])
          .where('id', 'in', [...new Set(ids)])
          .execute();
        const byId = new Map(
          rows.map((row) => [row.id, { status: row.status, attemptCount: row.attempt_count }]),
        );
        return ids.map((id) => byId.get(id));
      },
      { maxBatch: 256 },
    );
    this.#attempts = new Coalescer(
      (records) => this.#writeAll(records),
      observe ? { observe } : {},
    );
  }

  /** The delivery's state, or undefined when it has no row yet (never attempted). */
  state(deliveryId: string): Promise<DeliveryState | undefined> {
    return withRetry(() => this.#states.submit(deliveryId));
  }

  /**
   * Records one attempt: creates the event and delivery rows on the first,
   * moves the delivery to its new state, updates the endpoint's health (a
   * 410, or failures for longer than the disable window, disable it).
   * Resolves once committed.
   */
  recordAttempt(record: AttemptRecord): Promise<RecordOutcome> {
    return withRetry(() => this.#attempts.submit(record));
  }

  /** Settles a delivery as cancelled (creating its rows if needed), unless it already settled. */
  async cancel(job: DeliveryJobData, reason: string): Promise<void> {
    await withRetry(() =>
      sql`
        WITH event AS (${insertEvent(job)})
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id,
          status, last_error, completed_at, enqueued_at)
        VALUES (${job.deliveryId}, ${job.eventId}, ${job.endpointId}, ${job.eventType}, ${job.organizationId},
          ${job.agentId}, 'cancelled', ${reason}, now(), now())
        ON CONFLICT (id) DO UPDATE SET status = 'cancelled', last_error = excluded.last_error,
          next_attempt_at = NULL, completed_at = now(), updated_at = now()
        WHERE webhook_deliveries.status = 'pending'
      `.execute(this.#db),
    );
  }

  // One statement per round of distinct deliveries (a delivery attempted twice
  // in one batch — a resend racing its scheduled job — goes in the next round).
  async #writeAll(records: readonly AttemptRecord[]): Promise<RecordOutcome[]> {
    const outcomes = new Map<AttemptRecord, RecordOutcome>();
    let remaining = [...records];
    while (remaining.length > 0) {
      const seen = new Set<string>();
      const round: AttemptRecord[] = [];
      const later: AttemptRecord[] = [];
      for (const record of remaining) {
        if (seen.has(record.job.deliveryId)) later.push(record);
        else {
          seen.add(record.job.deliveryId);
          round.push(record);
        }
      }
      let disabled: Set<string>;
      try {
        disabled = await this.#write(round);
      } catch (error) {
        // Isolate a bad record instead of failing its whole batch.
        if (round.length === 1) throw error;
        disabled = new Set();
        for (const record of round) for (const id of await this.#write([record])) disabled.add(id);
      }
      for (const record of round)
        outcomes.set(record, { endpointDisabled: disabled.has(record.job.endpointId) });
      remaining = later;
    }
    return records.map((record) => outcomes.get(record) ?? { endpointDisabled: false });
  }

  /** Writes distinct deliveries' attempts; returns the endpoints this disabled. */
  async #write(records: readonly AttemptRecord[]): Promise<Set<string>> {
    const column = <T>(pick: (record: AttemptRecord) => T): T[] => records.map(pick);
    const windowMs = this.#disableAfterFailingMs;
    const { rows } = await sql<{ id: string }>`
      WITH input AS (
        SELECT * FROM unnest(
          ${column((r) => r.job.deliveryId)}::text[], ${column((r) => r.job.eventId)}::text[],
          ${column((r) => r.job.endpointId)}::text[], ${column((r) => r.job.eventType)}::text[],
          ${column((r) => r.job.organizationId)}::text[], ${column((r) => r.job.agentId)}::text[],
          ${column((r) => (r.attemptNumber === 1 ? r.job.body : null))}::text[],
          ${column((r) => r.job.occurredAt)}::timestamptz[], ${column((r) => r.status)}::text[],
          ${column((r) => r.result.statusCode ?? null)}::int[], ${column((r) => r.verdict.errorMessage)}::text[],
          ${column((r) => r.trigger)}::text[], ${column((r) => r.nextAttemptAt?.toISOString() ?? null)}::timestamptz[],
          ${column((r) => r.attemptNumber)}::int[], ${column((r) => r.verdict.outcome)}::text[],
          ${column((r) => (r.verdict.errorKind === 'aborted' ? 'connection' : r.verdict.errorKind) satisfies AttemptErrorKind | null)}::text[],
          ${column((r) => r.verdict.errorMessage ?? r.result.error?.message ?? null)}::text[],
          ${column((r) => r.result.excerpt ?? null)}::text[], ${column((r) => r.result.truncated)}::boolean[],
          ${column((r) => r.result.startedAt.toISOString())}::timestamptz[], ${column((r) => r.result.durationMs)}::int[],
          ${column(healthOf)}::text[], ${column((r) => r.verdict.endpointGone)}::boolean[]
        ) AS t(delivery_id, event_id, endpoint_id, event_type, organization_id, agent_id, body, occurred_at,
               status, status_code, last_error, trigger, next_attempt_at, attempt_number, outcome, error_kind,
               error_message, excerpt, truncated, started_at, duration_ms, health, gone)
      ), event AS (
        -- The body travels only with first attempts; later ones find the event stored.
        INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
        SELECT DISTINCT ON (event_id) event_id, event_type, organization_id, agent_id, body, occurred_at
        FROM input WHERE body IS NOT NULL
        ON CONFLICT (organization_id, id) DO NOTHING
      ), delivery AS (
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status,
          attempt_count, last_status_code, last_error, last_trigger, next_attempt_at, completed_at, enqueued_at)
        SELECT delivery_id, event_id, endpoint_id, event_type, organization_id, agent_id, status, attempt_number, status_code,
          last_error, trigger, next_attempt_at, CASE WHEN status = 'pending' THEN NULL ELSE now() END, now()
        FROM input
        ON CONFLICT (id) DO UPDATE SET
          -- A late duplicate attempt must not undo a success.
          status = CASE WHEN webhook_deliveries.status = 'succeeded' AND excluded.last_trigger = 'scheduled'
            THEN webhook_deliveries.status ELSE excluded.status END,
          -- The attempt's own number, not +1: a retried write of the same attempt changes nothing.
          attempt_count = greatest(webhook_deliveries.attempt_count, excluded.attempt_count),
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
        SELECT i.delivery_id, i.attempt_number, i.trigger, i.outcome, i.status_code, i.error_kind, i.error_message,
          i.excerpt, i.truncated, i.started_at, i.duration_ms
        FROM input i JOIN delivery d ON d.id = i.delivery_id
        ON CONFLICT (delivery_id, attempt_number, started_at) DO NOTHING
      ), outcome AS (
        -- Per endpoint: a success resets its failure record; failures extend it.
        SELECT endpoint_id, bool_or(health = 'success') AS succeeded,
          count(*) FILTER (WHERE health = 'failure')::int AS failures, bool_or(gone) AS gone
        FROM input WHERE health <> 'none' GROUP BY endpoint_id
      ), health AS (
        UPDATE webhook_endpoints e SET
          last_success_at = CASE WHEN o.succeeded THEN now() ELSE e.last_success_at END,
          last_failure_at = CASE WHEN o.failures > 0 THEN now() ELSE e.last_failure_at END,
          failing_since = CASE WHEN o.succeeded THEN NULL ELSE coalesce(e.failing_since, now()) END,
          consecutive_failures = CASE WHEN o.succeeded THEN 0 ELSE e.consecutive_failures + o.failures END,
          enabled = e.enabled AND NOT o.disable,
          disabled_reason = CASE WHEN NOT o.disable THEN e.disabled_reason
            WHEN o.gone THEN 'receiver answered 410 Gone'
            ELSE 'failing since ' || to_char(e.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              || ' with no success' END,
          disabled_at = CASE WHEN o.disable THEN now() ELSE e.disabled_at END,
          updated_at = CASE WHEN o.disable THEN now() ELSE e.updated_at END
        FROM (
          SELECT o.*, coalesce(cur.enabled AND NOT o.succeeded AND (o.gone OR (${windowMs}::bigint > 0
            AND cur.failing_since < now() - ${windowMs}::bigint * interval '1 millisecond')), false) AS disable
          FROM outcome o JOIN webhook_endpoints cur ON cur.id = o.endpoint_id
        ) o
        WHERE e.id = o.endpoint_id
          -- Skip the write when little would change: keeps a busy endpoint's row cool.
          AND (o.failures > 0 OR e.consecutive_failures > 0 OR e.last_success_at IS NULL
            OR e.last_success_at < now() - interval '10 seconds')
        RETURNING e.id, o.disable
      )
      SELECT id FROM health WHERE disable
    `.execute(this.#db);
    return new Set(rows.map((row) => row.id));
  }
}

// An attempt cut short by our own shutdown says nothing about the endpoint.
function healthOf(record: AttemptRecord): 'none' | 'success' | 'failure' {
  if (record.verdict.errorKind === 'aborted') return 'none';
  return record.verdict.outcome === 'succeeded' ? 'success' : 'failure';
}

function insertEvent(job: DeliveryJobData) {
  return sql`
    INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
    VALUES (${job.eventId}, ${job.eventType}, ${job.organizationId}, ${job.agentId}, ${job.body}, ${job.occurredAt})
    ON CONFLICT (organization_id, id) DO NOTHING
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
