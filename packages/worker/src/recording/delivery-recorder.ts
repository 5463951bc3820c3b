import { setTimeout as sleep } from 'node:timers/promises';
import {
  Coalescer,
  type AttemptTrigger,
  type BatchObserver,
  type Database,
  type DeliveryJobData,
  type DeliveryStatus,
  type PgPool,
} from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import type { AttemptVerdict } from '../classify-attempt.js';
import type { HttpAttemptResult } from '../http/attempt-result.js';
import { RECORD_ATTEMPTS, recordAttemptsValues } from './record-attempts-statement.js';

/** One attempt and the delivery state it leads to. */
export interface AttemptRecord {
  readonly job: DeliveryJobData;
  /** The delivery's rows exist already (its state was read or known): the event body need not travel. */
  readonly stored: boolean;
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

// A recording statement costs ~600 µs of Postgres CPU however small, plus
// ~80 µs per attempt: under load (a group commit of 8 or more), waiting 5 ms
// before the next one makes it larger. Measured (docs/performance.md): 0.115
// → 0.09 transactions per delivery and ~15 % less Postgres CPU at c=100; the
// request has already been answered, so receivers see no extra latency.
const GROUP_COMMIT_LINGER = { items: 8, ms: 5 } as const;

// Reads every state a batch asks for; one text for any batch size (prepared once per connection).
const READ_STATES = {
  name: 'lw_read_delivery_states_v1',
  text: 'SELECT id, status, attempt_count FROM webhook_deliveries WHERE id = ANY($1::text[])',
} as const;

/** What {@link DeliveryRecorder} works with. */
export interface DeliveryRecorderOptions {
  /** Kysely over `pool` (see `createDb`): cancellations. */
  readonly db: Kysely<Database>;
  /** The process's pool: state reads. */
  readonly pool: PgPool;
  /**
   * A pool of one connection to the same database, for the recording
   * statement alone (see the class).
   */
  readonly recordingPool: PgPool;
  /** An endpoint failing for this long is disabled (0: never). */
  readonly disableAfterFailingMs: number;
  /** Told about every group commit (metrics). */
  readonly observe?: BatchObserver;
}

/**
 * Reads and writes delivery state in Postgres. Reads are coalesced into one
 * query per batch. Attempts are recorded by group commit: every attempt that
 * finished while the previous commit ran is written by one set-based
 * statement — one round trip, one transaction, one WAL flush — and each
 * attempt's promise resolves only after that commit. Both hot statements are
 * named prepared statements sent through pg directly (Kysely sends none).
 *
 * Group commits go one at a time, all through one connection of their own:
 * its backend parses and plans the statement once, compiles the queue
 * triggers once, and keeps the pages it writes mapped and cached. Spread
 * over a pool's ten connections, each backend paid that warm-up and the
 * recording path cost about twice the Postgres CPU per delivery (measured,
 * docs/performance.md).
 */
export class DeliveryRecorder {
  readonly #db: Kysely<Database>;
  readonly #recordingPool: PgPool;
  readonly #disableAfterFailingMs: number;
  readonly #states: Coalescer<string, DeliveryState | undefined>;
  readonly #attempts: Coalescer<AttemptRecord, RecordOutcome>;

  constructor(options: DeliveryRecorderOptions) {
    const { pool, observe } = options;
    this.#db = options.db;
    this.#recordingPool = options.recordingPool;
    this.#disableAfterFailingMs = options.disableAfterFailingMs;
    this.#states = new Coalescer(
      async (ids) => {
        const { rows } = await pool.query<{
          id: string;
          status: DeliveryStatus;
          attempt_count: number;
        }>({ ...READ_STATES, values: [[...new Set(ids)]] });
        const byId = new Map(
          rows.map((row) => [row.id, { status: row.status, attemptCount: row.attempt_count }]),
        );
        return ids.map((id) => byId.get(id));
      },
      { maxBatch: 256 },
    );
    this.#attempts = new Coalescer((records) => this.#writeAll(records), {
      maxBatch: 512,
      linger: GROUP_COMMIT_LINGER,
      ...(observe ? { observe } : {}),
    });
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
    const { rows } = await this.#recordingPool.query<{ id: string }>({
      ...RECORD_ATTEMPTS,
      values: recordAttemptsValues(records, this.#disableAfterFailingMs),
    });
    return new Set(rows.map((row) => row.id));
  }
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
