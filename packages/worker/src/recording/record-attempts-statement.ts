import type { AttemptErrorKind } from '@letta-webhooks/shared';
import type { AttemptRecord } from './delivery-recorder.js';

/**
 * The recording statement: one batch of distinct deliveries' attempts, as one
 * named prepared statement. Its text never changes (every column travels as
 * one array parameter), so each pooled connection parses and plans it once
 * and then only binds and executes it — instead of receiving ~4 KB of SQL and
 * planning it again for every batch.
 *
 * Per attempt: creates the event and delivery rows on a first attempt, moves
 * the delivery to its new state, inserts the attempt row, and updates the
 * endpoint's health (a 410, or failures for longer than the disable window,
 * disable it). Returns the ids of endpoints this batch disabled.
 */
export const RECORD_ATTEMPTS = {
  name: 'lw_record_attempts_v1',
  text: `
    WITH input AS (
      SELECT * FROM unnest(
        $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::timestamptz[], $9::text[], $10::int[], $11::text[], $12::text[], $13::timestamptz[],
        $14::int[], $15::text[], $16::text[], $17::text[], $18::text[], $19::boolean[],
        $20::timestamptz[], $21::int[], $22::text[], $23::boolean[]
      ) AS t(delivery_id, event_id, endpoint_id, event_type, organization_id, agent_id, body, occurred_at,
             status, status_code, last_error, trigger, next_attempt_at, attempt_number, outcome, error_kind,
             error_message, excerpt, truncated, started_at, duration_ms, health, gone)
    ), event AS (
      -- The body travels only when the delivery's rows may not exist yet (fast publish mode).
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
        SELECT o.*, coalesce(cur.enabled AND NOT o.succeeded AND (o.gone OR ($24::bigint > 0
          AND cur.failing_since < now() - $24::bigint * interval '1 millisecond')), false) AS disable
        FROM outcome o JOIN webhook_endpoints cur ON cur.id = o.endpoint_id
      ) o
      WHERE e.id = o.endpoint_id
        -- Skip the write when little would change: keeps a busy endpoint's row cool.
        AND (o.failures > 0 OR e.consecutive_failures > 0 OR e.last_success_at IS NULL
          OR e.last_success_at < now() - interval '10 seconds')
      RETURNING e.id, o.disable
    )
    SELECT id FROM health WHERE disable`,
} as const;

// An attempt cut short by our own shutdown says nothing about the endpoint.
function healthOf(record: AttemptRecord): 'none' | 'success' | 'failure' {
  if (record.verdict.errorKind === 'aborted') return 'none';
  return record.verdict.outcome === 'succeeded' ? 'success' : 'failure';
}

/** The parameters of {@link RECORD_ATTEMPTS} for distinct deliveries' `records`. */
export function recordAttemptsValues(
  records: readonly AttemptRecord[],
  disableAfterFailingMs: number,
): unknown[] {
  const column = <T>(pick: (record: AttemptRecord) => T): T[] => records.map(pick);
  return [
    column((r) => r.job.deliveryId),
    column((r) => r.job.eventId),
    column((r) => r.job.endpointId),
    column((r) => r.job.eventType),
    column((r) => r.job.organizationId),
    column((r) => r.job.agentId),
    column((r) => (r.stored ? null : r.job.body)),
    column((r) => r.job.occurredAt),
    column((r) => r.status),
    column((r) => r.result.statusCode ?? null),
    column((r) => r.verdict.errorMessage),
    column((r) => r.trigger),
    column((r) => r.nextAttemptAt?.toISOString() ?? null),
    column((r) => r.attemptNumber),
    column((r) => r.verdict.outcome),
    column(
      (r) =>
        (r.verdict.errorKind === 'aborted'
          ? 'connection'
          : r.verdict.errorKind) satisfies AttemptErrorKind | null,
    ),
    column((r) => r.verdict.errorMessage ?? r.result.error?.message ?? null),
    column((r) => r.result.excerpt ?? null),
    column((r) => r.result.truncated),
    column((r) => r.result.startedAt.toISOString()),
    column((r) => r.result.durationMs),
    column(healthOf),
    column((r) => r.verdict.endpointGone),
    disableAfterFailingMs,
  ];
}
