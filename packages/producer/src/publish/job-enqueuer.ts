import {
  Coalescer,
  WebhookError,
  type JobAuthenticator,
  type DeliveryJobData,
  type RedisConnection,
  withTimeout,
} from '@letta-webhooks/shared';
import type { Queue } from 'bullmq';
import type { QueuedJob } from '../replayer.js';

function queueError(count: number, error: unknown): WebhookError {
  return new WebhookError({
    code: 'QUEUE_UNAVAILABLE',
    message: `could not enqueue ${count} deliveries: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

/**
 * Puts delivery jobs into BullMQ. `submit` coalesces concurrent publishes
 * into one `addBulk` per batch; `enqueue` adds at once (replay, test events).
 * Either fails with `QUEUE_UNAVAILABLE` at once when the Redis connection is
 * down, and after `timeoutMs` when Redis does not answer.
 */
export class JobEnqueuer {
  readonly #queue: Queue<DeliveryJobData>;
  readonly #redis: RedisConnection;
  readonly #timeoutMs: number;
  readonly #jobAuth: JobAuthenticator;
  readonly #batches: Coalescer<readonly QueuedJob[], undefined>;

  constructor(
    queue: Queue<DeliveryJobData>,
    redis: RedisConnection,
    timeoutMs: number,
    /** Tags each job's data as it goes to Redis; the worker refuses an untagged job. */
    jobAuth: JobAuthenticator,
  ) {
    this.#queue = queue;
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    this.#jobAuth = jobAuth;
    this.#batches = new Coalescer(
      async (lists) => {
        await this.enqueue(lists.flat());
        return lists.map(() => undefined);
      },
      { maxBatch: 256 },
    );
  }

  /** True while the Redis connection is up (or still being set up for the first time). */
  get usable(): boolean {
    const status = this.#redis.status;
    return (
      status === 'ready' || status === 'wait' || status === 'connecting' || status === 'connect'
    );
  }

  /** Adds `jobs` together with those of other publishes made meanwhile. */
  submit(jobs: readonly QueuedJob[]): Promise<undefined> {
    return this.#batches.submit(jobs);
  }

  /** Adds `jobs` now. */
  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // BullMQ would wait for a lost connection to come back; a caller must hear at once
    // instead. Only the first connection, still being set up, is worth waiting for.
    if (!this.usable) {
      throw queueError(jobs.length, new Error(`Redis connection is ${this.#redis.status}`));
    }
    try {
      const [only] = jobs;
      // One job (the common fan-out of one): a single script call is cheaper than addBulk's MULTI.
      const adding =
        jobs.length === 1 && only
          ? this.#queue.add(only.name, this.#jobAuth.sign(only.data), only.opts)
          : this.#queue.addBulk(
              jobs.map((job) => ({
                name: job.name,
                data: this.#jobAuth.sign(job.data),
                ...(job.opts ? { opts: job.opts } : {}),
              })),
            );
      if ((await withTimeout<unknown>(adding, this.#timeoutMs)).timedOut) {
        throw new Error(`no answer from Redis within ${this.#timeoutMs} ms`);
      }
    } catch (error) {
      throw queueError(jobs.length, error);
    }
  }
}
