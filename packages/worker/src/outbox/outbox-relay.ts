import {
  DELIVERY_JOB_NAME,
  deliveryJobOptions,
  jobDataFromStored,
  type Database,
  type Settings,
  type StoredDelivery,
} from '@letta-webhooks/shared';
import type { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { LogThrottle } from '../observability/log-throttle.js';

const BATCH = 500;

function job(row: StoredDelivery, settings: Settings) {
  // Job id = delivery id: relaying the same row twice cannot make a second job.
  return {
    name: DELIVERY_JOB_NAME,
    data: jobDataFromStored(row),
    opts: { ...deliveryJobOptions(settings), jobId: row.id },
  };
}

/**
 * The outbox relay and the reconciler, run by every worker process.
 * The relay moves deliveries committed in a caller's transaction into BullMQ
 * (rows locked with SKIP LOCKED, so workers share the work). The reconciler
 * re-enqueues deliveries left pending well past their due time whose job is
 * gone from Redis (Redis data lost).
 */
export class OutboxRelay {
  readonly #db: Kysely<Database>;
  readonly #queue: Queue;
  readonly #settings: Settings;
  readonly #logger: Logger;
  // A pass failing every poll (Redis or Postgres down) logs once per interval, with a count.
  readonly #failures: LogThrottle;
  // One pending timer per loop, cleared by stop().
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<number>>();
  #stopped = false;

  constructor(db: Kysely<Database>, queue: Queue, settings: Settings, logger: Logger) {
    this.#db = db;
    this.#queue = queue;
    this.#settings = settings;
    this.#logger = logger;
    this.#failures = new LogThrottle({ logger });
  }

  /** Starts both loops. */
  start(): void {
    this.#loop('relay', () => this.relayOnce(), this.#settings.outbox.pollMs);
    this.#loop('reconcile', () => this.reconcileOnce(), this.#settings.outbox.reconcileIntervalMs);
  }

  /** Stops both loops and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#running);
  }

  /** Enqueues committed outbox deliveries; returns how many. */
  async relayOnce(): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await sql<StoredDelivery>`
        SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.agent_id, d.organization_id, e.body, e.occurred_at
        FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.enqueued_at IS NULL AND d.status = 'pending'
        ORDER BY d.created_at
        LIMIT ${BATCH}
        FOR UPDATE OF d SKIP LOCKED
      `.execute(trx);
      if (rows.length === 0) return 0;
      await this.#queue.addBulk(rows.map((row) => job(row, this.#settings)));
      await sql`UPDATE webhook_deliveries SET enqueued_at = now() WHERE id = ANY(${rows.map((r) => r.id)})`.execute(
        trx,
      );
      return rows.length;
    });
  }

  /** Re-enqueues overdue pending deliveries whose job is missing; returns how many. */
  async reconcileOnce(): Promise<number> {
    const { rows } = await sql<StoredDelivery>`
      SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.agent_id, d.organization_id, e.body, e.occurred_at
      FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE d.status = 'pending' AND d.enqueued_at IS NOT NULL
        AND coalesce(d.next_attempt_at, d.enqueued_at) < now() - ${this.#settings.outbox.reconcileAfterMs} * interval '1 millisecond'
      ORDER BY d.id
      LIMIT ${BATCH}
    `.execute(this.#db);
    const missing: StoredDelivery[] = [];
    for (const row of rows) if ((await this.#queue.getJob(row.id)) === undefined) missing.push(row);
    if (missing.length > 0) {
      await this.#queue.addBulk(missing.map((row) => job(row, this.#settings)));
      this.#logger.warn(
        { count: missing.length },
        'reconciler re-enqueued deliveries whose jobs were missing',
      );
    }
    // Checked rows wait another full period before the next check.
    if (rows.length > 0) {
      await sql`UPDATE webhook_deliveries SET enqueued_at = now(), next_attempt_at = NULL WHERE id = ANY(${rows.map((r) => r.id)}) AND status = 'pending'`.execute(
        this.#db,
      );
    }
    return missing.length;
  }

  #loop(name: string, pass: () => Promise<number>, everyMs: number): void {
    const tick = () => {
      if (this.#stopped) return;
      const run = pass().catch((error: unknown) => {
        this.#failures.log('warn', 'outbox pass failed; retrying', { err: String(error) });
        return 0;
      });
      this.#running.add(run);
      void run.then((count) => {
        this.#running.delete(run);
        if (this.#stopped) return;
        // A full batch means more may be waiting: go again at once.
        this.#timers.set(name, setTimeout(tick, count >= BATCH ? 0 : everyMs));
      });
    };
    this.#timers.set(name, setTimeout(tick, everyMs));
  }
}
