import { WebhookError, type PgPool, type StoredDelivery } from '@letta-webhooks/shared';
import { CompiledQuery, sql, type QueryExecutorProvider } from 'kysely';
import type { PreparedEvent, PublishResult } from '../publish-event.js';
import type { QueuedJob } from '../replayer.js';

/** An event and its delivery jobs, to be written in Postgres. */
export interface EventToCommit {
  readonly event: PreparedEvent;
  readonly jobs: readonly QueuedJob[];
}

/** What committing one event came to: its answer, and whether it was new. */
export type CommitOutcome =
  | { readonly kind: 'created'; readonly result: PublishResult }
  | {
      readonly kind: 'repeated';
      readonly result: PublishResult;
      /**
       * Its deliveries still pending with no attempt: enqueued again (under
       * their delivery ids, so a job still queued is not doubled) in case the
       * first publish never reached Redis.
       */
      readonly unattempted: readonly StoredDelivery[];
    }
  | { readonly kind: 'conflict'; readonly error: WebhookError };

// Event ids are unique per organization: events are told apart by both.
function keyOf(organizationId: string, eventId: string): string {
  return `${organizationId}\n${eventId}`;
}

interface StatementRow {
  id: string;
  organization_id: string;
  created: boolean;
  stored_organization_id: string | null;
  stored_event_type: string | null;
  stored_agent_id: string | null;
  stored_digest: string | null;
}

/**
 * Writes events and their deliveries (`pending`, 0 attempts) in ONE
 * set-based statement, whatever the batch size. An event id already stored
 * writes nothing. `$3` says whether the producer is about to enqueue the
 * jobs itself (else the relay will: `enqueued_at` stays NULL). Its text never
 * changes (rows travel as one JSON parameter per table: JSON.stringify is
 * native, pg's array literals are not), so on the producer's own pool it is
 * a named prepared statement, parsed and planned once per connection.
 */
export const INSERT_EVENTS = {
  name: 'lw_insert_events_v2',
  text: `
    WITH input AS (
      SELECT * FROM json_to_recordset($1::json) AS t(id text, event_type text,
        organization_id text, agent_id text, body text, occurred_at timestamptz, input_digest text)
    ), event AS (
      INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at, input_digest)
      SELECT * FROM input
      ON CONFLICT (organization_id, id) DO NOTHING
      RETURNING organization_id, id
    ), delivery AS (
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status, enqueued_at)
      SELECT t.id, t.event_id, t.endpoint_id, i.event_type, i.organization_id, i.agent_id, 'pending',
        CASE WHEN $3::boolean THEN now() END
      FROM json_to_recordset($2::json) AS t(id text, event_id text, organization_id text, endpoint_id text)
      JOIN event e ON e.organization_id = t.organization_id AND e.id = t.event_id
      JOIN input i ON i.organization_id = t.organization_id AND i.id = t.event_id
      ON CONFLICT (id) DO NOTHING
    )
    -- The statement's snapshot predates its own inserts: x is the row stored before, if any,
    -- looked up only for events not inserted now. A parameterized probe of the primary key
    -- (LIMIT 1 keeps it from being flattened into a join), so the plan stays an index probe
    -- whatever the table's size was when this connection prepared it.
    SELECT i.id, i.organization_id, e.id IS NOT NULL AS created, x.organization_id AS stored_organization_id,
      x.event_type AS stored_event_type, x.agent_id AS stored_agent_id, x.input_digest AS stored_digest
    FROM input i LEFT JOIN event e ON e.organization_id = i.organization_id AND e.id = i.id
      LEFT JOIN LATERAL (
        SELECT x.organization_id, x.event_type, x.agent_id, x.input_digest FROM webhook_events x
        WHERE e.id IS NULL AND x.organization_id = i.organization_id AND x.id = i.id
        LIMIT 1
      ) x ON true
  `,
} as const;

/**
 * Where the statements of {@link commitEvents} run: a Kysely executor (a
 * caller's transaction, or the producer's database), and — for the
 * producer's own group commits — the pg pool under it, which sends
 * {@link INSERT_EVENTS} as a named prepared statement.
 */
export interface CommitTarget {
  readonly executor: QueryExecutorProvider;
  readonly pool?: PgPool;
}

function insertValues(events: readonly EventToCommit[], enqueued: boolean): unknown[] {
  const eventRows = JSON.stringify(
    events.map(({ event: e }) => ({
      id: e.eventId,
      event_type: e.eventType,
      organization_id: e.organizationId,
      agent_id: e.agentId,
      body: e.body,
      occurred_at: e.occurredAt,
      input_digest: e.inputDigest,
    })),
  );
  const deliveryRows = JSON.stringify(
    events.flatMap((item) =>
      item.jobs.map(({ data: d }) => ({
        id: d.deliveryId,
        event_id: d.eventId,
        organization_id: d.organizationId,
        endpoint_id: d.endpointId,
      })),
    ),
  );
  return [eventRows, deliveryRows, enqueued];
}

/** Runs {@link INSERT_EVENTS}; events (organization and id) must be distinct. */
async function insertEvents(
  target: CommitTarget,
  events: readonly EventToCommit[],
  enqueued: boolean,
): Promise<Map<string, StatementRow>> {
  const values = insertValues(events, enqueued);
  const { rows } =
    target.pool === undefined
      ? await target.executor
          .getExecutor()
          .executeQuery<StatementRow>(CompiledQuery.raw(INSERT_EVENTS.text, values))
      : await target.pool.query<StatementRow>({ ...INSERT_EVENTS, values });
  return new Map(rows.map((row) => [keyOf(row.organization_id, row.id), row]));
}

function sameEvent(event: PreparedEvent, row: StatementRow): boolean {
  // Rows written by workers in the fast mode carry no digest: compare what they do carry.
  if (row.stored_digest === null) {
    return row.stored_event_type === event.eventType && row.stored_agent_id === event.agentId;
  }
  return row.stored_digest === event.inputDigest;
}

function conflict(eventId: string): WebhookError {
  return new WebhookError({
    code: 'CONFLICT',
    field: 'eventId',
    message: `eventId: ${eventId} was already published with a different event`,
  });
}

interface StoredAnswer {
  readonly result: PublishResult;
  readonly unattempted: StoredDelivery[];
}

// The first publish's answer: its deliveries as stored.
async function storedAnswers(
  executor: QueryExecutorProvider,
  events: readonly PreparedEvent[],
): Promise<Map<string, StoredAnswer>> {
  const answers = new Map<string, StoredAnswer>(
    events.map((event) => [
      keyOf(event.organizationId, event.eventId),
      { result: { eventId: event.eventId, deliveries: [] }, unattempted: [] },
    ]),
  );
  if (events.length === 0) return answers;
  const { rows } = await sql<StoredDelivery & { unattempted: boolean }>`
    SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.agent_id, d.organization_id, e.body, e.occurred_at,
      d.status = 'pending' AND d.attempt_count = 0 AS unattempted
    FROM webhook_deliveries d JOIN webhook_events e ON e.organization_id = d.organization_id AND e.id = d.event_id
    WHERE (d.organization_id, d.event_id) IN (
      SELECT * FROM unnest(${events.map((e) => e.organizationId)}::text[], ${events.map((e) => e.eventId)}::text[])
    )
    ORDER BY d.endpoint_id
  `.execute(executor);
  for (const { unattempted, ...row } of rows) {
    const answer = answers.get(keyOf(row.organization_id, row.event_id));
    if (answer === undefined) continue;
    (answer.result.deliveries as { deliveryId: string; endpointId: string }[]).push({
      deliveryId: row.id,
      endpointId: row.endpoint_id,
    });
    if (unattempted) answer.unattempted.push(row);
  }
  return answers;
}

/**
 * Commits events and their deliveries and resolves repeated event ids:
 * the same input gets the stored answer (nothing written, nothing to
 * enqueue); a different input gets `CONFLICT`. One outcome per event, in order.
 */
export async function commitEvents(
  target: CommitTarget,
  events: readonly EventToCommit[],
  enqueued: boolean,
): Promise<CommitOutcome[]> {
  const outcomes = new Map<number, CommitOutcome>();
  let remaining = events.map((item, index) => ({ item, index }));
  // An id twice in one batch, or stored by a transaction still in flight, is settled by another round.
  for (let round = 0; remaining.length > 0; round++) {
    const seen = new Set<string>();
    const now: typeof remaining = [];
    const later: typeof remaining = [];
    for (const entry of remaining) {
      const key = keyOf(entry.item.event.organizationId, entry.item.event.eventId);
      if (seen.has(key)) later.push(entry);
      else {
        seen.add(key);
        now.push(entry);
      }
    }
    const rows = await insertEvents(
      target,
      now.map((entry) => entry.item),
      enqueued,
    );
    const repeats: typeof remaining = [];
    for (const entry of now) {
      const { event, jobs } = entry.item;
      const row = rows.get(keyOf(event.organizationId, event.eventId));
      if (row?.created === true) {
        outcomes.set(entry.index, {
          kind: 'created',
          result: {
            eventId: event.eventId,
            deliveries: jobs.map((job) => ({
              deliveryId: job.data.deliveryId,
              endpointId: job.data.endpointId,
            })),
          },
        });
      } else if (row === undefined || row.stored_organization_id === null) {
        if (round >= 3) throw new Error(`event ${event.eventId} neither inserted nor found`);
        later.push(entry);
      } else if (!sameEvent(event, row)) {
        outcomes.set(entry.index, { kind: 'conflict', error: conflict(event.eventId) });
      } else repeats.push(entry);
    }
    const stored = await storedAnswers(
      target.executor,
      repeats.map((entry) => entry.item.event),
    );
    for (const entry of repeats) {
      const { eventId, organizationId } = entry.item.event;
      const answer = stored.get(keyOf(organizationId, eventId));
      outcomes.set(entry.index, {
        kind: 'repeated',
        result: answer?.result ?? { eventId, deliveries: [] },
        unattempted: answer?.unattempted ?? [],
      });
    }
    remaining = later;
  }
  return events.map((_, index) => {
    const outcome = outcomes.get(index);
    if (outcome === undefined) throw new Error('commitEvents lost an outcome');
    return outcome;
  });
}
