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

// An event the statement did not insert (its position in the batch, 1-based), and the
// row stored before under its id: all null when none was found (one still in flight).
interface StatementRow {
  n: number;
  stored_event_type: string | null;
  stored_agent_id: string | null;
  stored_digest: string | null;
}

// Rows travel column by column, each column one text parameter with its
// values joined by RS (U+001E). No value can hold one: ids, types and
// timestamps are validated printable ASCII, and bodies come from
// JSON.stringify, which escapes every control character. Postgres splits a
// column with string_to_array; unlike a JSON parameter, nothing is escaped,
// quoted or named per row, on either side. (Were an event's value ever to
// hold one, its column would come out a value too long, and the statement
// would fail on a NOT NULL column rather than write anything.)
const SEPARATOR = '\x1e';

/**
 * Writes events and their deliveries (`pending`, 0 attempts) in ONE
 * set-based statement, whatever the batch size. An event id already stored
 * writes nothing. Each delivery names its event by position (`$10`, 1-based).
 * `$11` says whether the producer is about to enqueue the jobs itself (else
 * the relay will: `enqueued_at` stays NULL). It answers only for the events
 * it did not insert (the rare case), so a batch of new events reads back no
 * row. Its text never changes, so on the producer's own pool it is a named
 * prepared statement, parsed and planned once per connection.
 */
export const INSERT_EVENTS = {
  name: 'lw_insert_events_v3',
  text: `
    WITH input AS (
      SELECT * FROM unnest(string_to_array($1, E'\\x1e'), string_to_array($2, E'\\x1e'),
        string_to_array($3, E'\\x1e'), string_to_array($4, E'\\x1e'), string_to_array($5, E'\\x1e'),
        string_to_array($6, E'\\x1e')::timestamptz[], string_to_array($7, E'\\x1e'))
        WITH ORDINALITY AS t(id, event_type, organization_id, agent_id, body, occurred_at, input_digest, n)
    ), event AS (
      INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at, input_digest)
      SELECT id, event_type, organization_id, agent_id, body, occurred_at, input_digest FROM input
      ON CONFLICT (organization_id, id) DO NOTHING
      RETURNING organization_id, id
    ), delivery AS (
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status, enqueued_at)
      SELECT t.id, i.id, t.endpoint_id, i.event_type, i.organization_id, i.agent_id, 'pending',
        CASE WHEN $11::boolean THEN now() END
      FROM unnest(string_to_array($8, E'\\x1e'), string_to_array($9, E'\\x1e'),
        string_to_array($10, E'\\x1e')::bigint[]) AS t(id, endpoint_id, n)
      JOIN input i ON i.n = t.n
      JOIN event e ON e.organization_id = i.organization_id AND e.id = i.id
      ON CONFLICT (id) DO NOTHING
    )
    -- The statement's snapshot predates its own inserts: x is the row stored before, if any,
    -- looked up only for events not inserted now. A parameterized probe of the primary key
    -- (LIMIT 1 keeps it from being flattened into a join), so the plan stays an index probe
    -- whatever the table's size was when this connection prepared it.
    SELECT i.n::int AS n, x.event_type AS stored_event_type, x.agent_id AS stored_agent_id,
      x.input_digest AS stored_digest
    FROM input i LEFT JOIN event e ON e.organization_id = i.organization_id AND e.id = i.id
      LEFT JOIN LATERAL (
        SELECT x.event_type, x.agent_id, x.input_digest FROM webhook_events x
        WHERE e.id IS NULL AND x.organization_id = i.organization_id AND x.id = i.id
        LIMIT 1
      ) x ON true
    WHERE e.id IS NULL
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
  const ids: string[] = [];
  const types: string[] = [];
  const organizations: string[] = [];
  const agents: string[] = [];
  const bodies: string[] = [];
  const times: string[] = [];
  const digests: string[] = [];
  const deliveryIds: string[] = [];
  const endpointIds: string[] = [];
  const positions: number[] = [];
  events.forEach(({ event: e, jobs }, index) => {
    ids.push(e.eventId);
    types.push(e.eventType);
    organizations.push(e.organizationId);
    agents.push(e.agentId);
    bodies.push(e.body);
    times.push(e.occurredAt);
    digests.push(e.inputDigest);
    for (const { data } of jobs) {
      deliveryIds.push(data.deliveryId);
      endpointIds.push(data.endpointId);
      positions.push(index + 1);
    }
  });
  return [
    ...[ids, types, organizations, agents, bodies, times, digests, deliveryIds, endpointIds].map(
      (column) => column.join(SEPARATOR),
    ),
    positions.join(SEPARATOR),
    enqueued,
  ];
}

/**
 * Runs {@link INSERT_EVENTS}; events (organization and id) must be distinct.
 * The events not inserted, by position (1-based): every other one was.
 */
async function insertEvents(
  target: CommitTarget,
  events: readonly EventToCommit[],
  enqueued: boolean,
): Promise<Map<number, StatementRow>> {
  const values = insertValues(events, enqueued);
  const { rows } =
    target.pool === undefined
      ? await target.executor
          .getExecutor()
          .executeQuery<StatementRow>(CompiledQuery.raw(INSERT_EVENTS.text, values))
      : await target.pool.query<StatementRow>({ ...INSERT_EVENTS, values });
  return new Map(rows.map((row) => [row.n, row]));
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
    const notInserted = await insertEvents(
      target,
      now.map((entry) => entry.item),
      enqueued,
    );
    const repeats: typeof remaining = [];
    for (const [position, entry] of now.entries()) {
      const { event, jobs } = entry.item;
      const row = notInserted.get(position + 1);
      if (row === undefined) {
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
      } else if (row.stored_event_type === null) {
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
