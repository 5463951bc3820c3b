import type { Database } from '@letta-webhooks/shared';
import type { Kysely, Transaction } from 'kysely';

/** One write to make durable: it runs inside a shared transaction. */
export type WriteOperation<T> = (trx: Transaction<Database>) => Promise<T>;

interface Queued {
  readonly operation: WriteOperation<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Observes each committed batch (metrics). */
export type BatchObserver = (size: number, durationMs: number) => void;

/**
 * Group commit: writes submitted while a commit is in flight are committed
 * together in the next transaction, so many attempts share one WAL flush. A
 * write's promise resolves only after its transaction committed — a job
 * completes only once its rows are durable, so batching costs no safety.
 * If a batch fails, its writes are retried one transaction each, so one bad
 * write cannot fail the others.
 */
export class GroupCommitter {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #observe: BatchObserver | undefined;
  #queue: Queued[] = [];
  #running = false;

  constructor(
    db: Kysely<Database>,
    options: { readonly maxBatch?: number; readonly observe?: BatchObserver } = {},
  ) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 128;
    this.#observe = options.observe;
  }

  /** Runs `operation` in the next group transaction; resolves after commit. */
  run<T>(operation: WriteOperation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ operation, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      const started = performance.now();
      try {
        const results = await this.#db.transaction().execute(async (trx) => {
          const values: unknown[] = [];
          for (const entry of batch) values.push(await entry.operation(trx));
          return values;
        });
        batch.forEach((entry, index) => {
          entry.resolve(results[index]);
        });
        this.#observe?.(batch.length, performance.now() - started);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // Isolate the failure: each write on its own.
        await Promise.all(
          batch.map(async (entry) => {
            try {
              entry.resolve(await this.#db.transaction().execute((trx) => entry.operation(trx)));
            } catch (single) {
              entry.reject(single);
            }
          }),
        );
      }
    }
    this.#running = false;
  }
}
