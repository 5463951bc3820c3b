import {
  DELIVERY_JOB_NAME,
  deliveryJobOptions,
  jobDataFromStored,
  JobAuthenticator,
  type Database,
  type RedisConnection,
  type Settings,
  type StoredDelivery,
} from '@letta-webhooks/shared';
import type { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { LogThrottle } from '../observability/log-throttle.js';
import { RedisLossDetector } from './redis-loss-detector.js';

const BATCH = 500;

function job(row: StoredDelivery, settings: Settings, jobAuth: JobAuthenticator) {
  // Job id = delivery id: relaying the same row twice cannot make a second job.
  return {
    name: DELIVERY_JOB_NAME,
    data: jobAuth.sign(jobDataFromStored(row)),
    opts: { ...deliveryJobOptions(settings), jobId: row.id },
  };
}

/**
 * The outbox relay and the reconciler, run by every worker process.
 * The relay moves into BullMQ the deliveries committed for it: published in a
 * caller's transaction, or while Redis was down or refusing (rows locked with
 * SKIP LOCKED, so workers share the work). The reconciler re-enqueues pending
 * deliveries whose job is gone from Redis: at once for every pending delivery
 * when Redis is seen to have lost its data (a marker key gone or changed),
 * and otherwise those left pending well past their due time. Both find
 * pending deliveries through `webhook_delivery_queue`, which triggers keep
 * in step with `webhook_deliveries` (migration 0070).
 */
export class OutboxRelay {
  readonly #db: Kysely<Database>;
  readonly #queue: Queue;
  readonly #settings: Settings;
  readonly #jobAuth: JobAuthenticator;
  readonly #logger: Logger;
  // A pass failing every poll (Redis or Postgres down) logs once per interval, with a count.
  readonly #failures: LogThrottle;
  // One pending timer per loop, cleared by stop().
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<number>>();
  readonly #redis: RedisConnection;
  readonly #loss: RedisLossDetector;
  #stopped = false;

  constructor(
    db: Kysely<Database>,
    queue: Queue,
    redis: RedisConnection,
    settings: Settings,
    logger: Logger,
  ) {
    this.#db = db;
    this.#queue = queue;
    this.#redis = redis;
    this.#settings = settings;
    this.#jobAuth = JobAuthenticator.fromSettings(settings);
    this.#logger = logger;
    this.#failures = new LogThrottle({ logger });
    this.#loss = new RedisLossDetector(redis, settings.queuePrefix, settings.queueName);
  }

  /** Starts the loops: relay, loss check, reconciler. */
  start(): void {
    this.#loop('relay', () => this.relayOnce(), this.#settings.outbox.pollMs);
    this.#loop('loss', () => this.recoverIfLost(), this.#settings.outbox.redisLossCheckMs, 0);
    this.#loop('reconcile', () => this.reconcileOnce(), this.#settings.outbox.reconcileIntervalMs);
  }

  /**
   * When Redis lost its data since the last check, re-enqueues every pending
   * delivery whose job is gone; returns how many (0 when nothing was lost).
   */
  async recoverIfLost(): Promise<number> {
    if (!(await this.#loss.lost())) return 0;
    const since = (await sql<{ now: Date }>`SELECT now()`.execute(this.#db)).rows[0]?.now;
    let total = 0;
    for (;;) {
      const { checked, missing } = await this.#reconcile({ checkedBefore: since ?? new Date() });
      total += missing;
      if (checked < BATCH) break;
    }
    // Only now: a sweep cut short (Redis or Postgres failing again) starts over at the next check.
    this.#loss.recovered();
    if (total > 0)
      this.#logger.warn(
        { count: total },
        'Redis lost its data: re-enqueued pending deliveries whose jobs were gone',
      );
    return total;
  }

  /** Stops the loops and waits for a pass in progress. */
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
        FROM webhook_delivery_queue q
          JOIN webhook_deliveries d ON d.id = q.delivery_id
          JOIN webhook_events e ON e.organization_id = d.organization_id AND e.id = d.event_id
        WHERE q.enqueued_at IS NULL AND d.enqueued_at IS NULL AND d.status = 'pending'
        ORDER BY q.created_at
        LIMIT ${BATCH}
        FOR UPDATE OF d SKIP LOCKED
      `.execute(trx);
      if (rows.length === 0) return 0;
      await this.#queue.addBulk(rows.map((row) => job(row, this.#settings, this.#jobAuth)));
      await sql`UPDATE webhook_deliveries SET enqueued_at = now() WHERE id = ANY(${rows.map((r) => r.id)})`.execute(
        trx,
      );
      return rows.length;
    });
  }

  /** Re-enqueues overdue pending deliveries whose job is missing; returns how many. */
  async reconcileOnce(): Promise<number> {
    const { missing } = await this.#reconcile({});
    if (missing > 0) {
      this.#logger.warn(
        { count: missing },
        'reconciler re-enqueued deliveries whose jobs were missing',
      );
    }
    return missing;
  }

  // One batch of pending deliveries: overdue ones, or (after a loss) every one not checked
  // since `checkedBefore`. Rows are locked while their jobs are checked and added, so two
  // workers never both find a job missing and add it twice.
  async #reconcile(scope: {
    readonly checkedBefore?: Date;
  }): Promise<{ checked: number; missing: number }> {
    const due =
      scope.checkedBefore === undefined
        ? sql`coalesce(d.next_attempt_at, d.enqueued_at) < now() - ${this.#settings.outbox.reconcileAfterMs} * interval '1 millisecond'`
        : sql`d.enqueued_at < ${scope.checkedBefore}`;
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await sql<StoredDelivery>`
        SELECT d.id, d.event_id, d.endpoint_id, d.event_type, d.agent_id, d.organization_id, e.body, e.occurred_at
        FROM webhook_delivery_queue q
          JOIN webhook_deliveries d ON d.id = q.delivery_id
          JOIN webhook_events e ON e.organization_id = d.organization_id AND e.id = d.event_id
        WHERE q.enqueued_at IS NOT NULL AND d.status = 'pending' AND d.enqueued_at IS NOT NULL AND ${due}
        ORDER BY q.delivery_id
        LIMIT ${BATCH}
        FOR UPDATE OF d SKIP LOCKED
      `.execute(trx);
      if (rows.length === 0) return { checked: 0, missing: 0 };
      const present = await this.#present(rows.map((row) => row.id));
      const missing = rows.filter((row) => !present.has(row.id));
      if (missing.length > 0)
        await this.#queue.addBulk(missing.map((row) => job(row, this.#settings, this.#jobAuth)));
      // Checked rows wait another full period before the next check; re-enqueued ones are due now.
      await sql`
        UPDATE webhook_deliveries SET enqueued_at = now(),
          next_attempt_at = CASE WHEN id = ANY(${missing.map((r) => r.id)}::text[]) OR ${scope.checkedBefore === undefined}::boolean
            THEN NULL ELSE next_attempt_at END
        WHERE id = ANY(${rows.map((r) => r.id)}::text[])
      `.execute(trx);
      return { checked: rows.length, missing: missing.length };
    });
  }

  // Which of these pending deliveries have a live job in Redis, in one round trip. A job
  // in the failed set while its delivery is still pending ended without settling it —
  // refused unsent (its data was not authentic) or stalled past the limit — so it is
  // removed here and counts as missing: the reconciler replaces it from Postgres.
  async #present(ids: readonly string[]): Promise<Set<string>> {
    const pipeline = this.#redis.pipeline();
    const failedSet = this.#queue.toKey('failed');
    for (const id of ids) pipeline.exists(this.#queue.toKey(id)).zscore(failedSet, id);
    const answers = (await pipeline.exec()) ?? [];
    const present = new Set<string>();
    const ended: string[] = [];
    ids.forEach((id, index) => {
      const [existsError, exists] = answers[2 * index] ?? [];
      const [failedError, failedAt] = answers[2 * index + 1] ?? [];
      if (existsError) throw existsError;
      if (failedError) throw failedError;
      if (exists !== 1) return;
      if (failedAt === null) present.add(id);
      else ended.push(id);
    });
    await Promise.all(ended.map((id) => this.#queue.remove(id)));
    return present;
  }

  #loop(name: string, pass: () => Promise<number>, everyMs: number, firstMs = everyMs): void {
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
    this.#timers.set(name, setTimeout(tick, firstMs));
  }
}
