import {
  Coalescer,
  DELIVERY_JOB_NAME,
  WebhookError,
  jobDataFromStored,
  withTimeout,
} from '@letta-webhooks/shared';
import { sql } from 'kysely';
import type { PublishResult } from '../publish-event.js';
import type { QueuedJob } from '../replayer.js';
import {
  commitEvents,
  type CommitOutcome,
  type CommitTarget,
  type EventToCommit,
} from './commit-events.js';
import type { JobEnqueuer } from './job-enqueuer.js';

interface Committed {
  readonly outcome: CommitOutcome;
  /** Whether the rows were written for the producer to enqueue (else the relay does). */
  readonly enqueue: boolean;
}

/** Options of {@link DurablePublisher}. */
export interface DurablePublisherOptions {
  /** How long a publish waits for Postgres before `DATABASE_UNAVAILABLE`. */
  readonly timeoutMs: number;
  /** Most events in one commit. Default 1,000 (a full `publishEvents` batch). */
  readonly maxBatch?: number;
}

// Connection-level failures (a killed backend, a dropped socket) are worth one more try;
// SQL errors are not. The retry is safe: a commit that did land comes back as a repeat.
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  return /^(08|57P)/.test(code) || /^E[A-Z]+$/.test(code);
}

function databaseError(error: unknown): WebhookError {
  return new WebhookError({
    code: 'DATABASE_UNAVAILABLE',
    message: `could not commit the event: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

/**
 * The default publish path: an event and its deliveries are committed in
 * Postgres — group-committed with every publish made meanwhile, one
 * statement per batch — and the publish resolves; their jobs are then
 * enqueued (off the caller's path: a publish costs one Postgres commit, not a
 * commit plus a Redis round trip). If Redis is down or refuses, the rows are
 * left for the workers' relay (`enqueued_at` NULL), which enqueues them when
 * Redis is back.
 */
export class DurablePublisher {
  readonly #target: CommitTarget;
  readonly #enqueuer: JobEnqueuer;
  readonly #timeoutMs: number;
  readonly #commits: Coalescer<EventToCommit, Committed>;
  readonly #enqueuing = new Set<Promise<void>>();

  constructor(target: CommitTarget, enqueuer: JobEnqueuer, options: DurablePublisherOptions) {
    this.#target = target;
    this.#enqueuer = enqueuer;
    this.#timeoutMs = options.timeoutMs;
    this.#commits = new Coalescer((items) => this.#commit(items), {
      maxBatch: options.maxBatch ?? 1_000,
    });
  }

  /**
   * Publishes prepared events; one outcome per event, in order (a `CONFLICT`
   * is an outcome, not a throw: the other events of a batch are published).
   *
   * @throws {WebhookError} `DATABASE_UNAVAILABLE` when Postgres fails or does not answer in time.
   */
  async publish(items: readonly EventToCommit[]): Promise<(PublishResult | WebhookError)[]> {
    const committed = await this.#withTimeout(
      Promise.all(items.map((item) => this.#commits.submit(item))),
    );
    const fresh: QueuedJob[] = [];
    const again: QueuedJob[] = [];
    committed.forEach(({ outcome, enqueue }, index) => {
      // Just committed pending with no attempt: the worker need not read that state back.
      // (Object.assign: a spread adding a key costs V8 ten times as much, once per job.)
      if (outcome.kind === 'created' && enqueue)
        for (const job of items[index]?.jobs ?? [])
          fresh.push({ ...job, data: Object.assign({}, job.data, { stored: true as const }) });
      if (outcome.kind === 'repeated') {
        for (const row of outcome.unattempted)
          again.push({
            name: DELIVERY_JOB_NAME,
            data: jobDataFromStored(row),
            opts: { jobId: row.id },
          });
      }
    });
    if (fresh.length + again.length > 0) {
      const enqueuing = this.#enqueue(fresh, again);
      this.#enqueuing.add(enqueuing);
      void enqueuing.finally(() => this.#enqueuing.delete(enqueuing));
    }
    return committed.map(({ outcome }) =>
      outcome.kind === 'conflict' ? outcome.error : outcome.result,
    );
  }

  /** Waits for the jobs of every publish made so far to be enqueued (or handed to the relay). */
  async drain(): Promise<void> {
    await Promise.all(this.#enqueuing);
  }

  async #enqueue(fresh: readonly QueuedJob[], again: readonly QueuedJob[]): Promise<void> {
    try {
      await this.#enqueuer.submit([...fresh, ...again]);
    } catch {
      // Committed is published: hand the fresh rows to the relay. Should this write
      // fail too, the reconciler finds them once they are overdue.
      await this.#handToRelay(fresh.map((job) => job.data.deliveryId)).catch(() => undefined);
    }
  }

  async #commit(items: readonly EventToCommit[]): Promise<Committed[]> {
    // Redis known to be down: leave the rows to the relay rather than wait on it.
    const enqueue = this.#enqueuer.usable;
    let outcomes: CommitOutcome[];
    try {
      outcomes = await commitEvents(this.#target, items, enqueue);
    } catch (error) {
      if (!isTransient(error)) throw error;
      outcomes = await commitEvents(this.#target, items, enqueue);
    }
    return outcomes.map((outcome) => ({ outcome, enqueue }));
  }

  async #handToRelay(deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await sql`
      UPDATE webhook_deliveries SET enqueued_at = NULL
      WHERE id = ANY(${deliveryIds}::text[]) AND status = 'pending' AND attempt_count = 0
    `.execute(this.#target.executor);
  }

  async #withTimeout<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await withTimeout(work, this.#timeoutMs);
      if (result.timedOut) throw new Error(`no answer from Postgres within ${this.#timeoutMs} ms`);
      return result.value;
    } catch (error) {
      throw error instanceof WebhookError ? error : databaseError(error);
    }
  }
}
