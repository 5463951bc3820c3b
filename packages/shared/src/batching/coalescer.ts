import { setTimeout as sleep } from 'node:timers/promises';

/** Observes each batch run (metrics). */
export type BatchObserver = (size: number, durationMs: number) => void;

/** Options of {@link Coalescer}. */
export interface CoalescerOptions {
  /** Most items in one batch. Default 64. */
  readonly maxBatch?: number;
  /**
   * Under load — the batch just run held at least `items` — wait `ms` before
   * the next, so it gathers more: fewer, larger statements per delivery for
   * a few milliseconds of latency. When idle, nothing waits. Default: never.
   */
  readonly linger?: { readonly items: number; readonly ms: number };
  readonly observe?: BatchObserver;
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces calls: items submitted while a batch is in flight (or in the same
 * tick) go together into the next one. Under load one database round trip
 * serves many jobs; when idle an item waits for nothing. This is group
 * commit when `run` writes: every item's promise settles only after its
 * batch's statement has committed.
 */
export class Coalescer<I, O> {
  readonly #run: (items: readonly I[]) => Promise<readonly O[]>;
  readonly #maxBatch: number;
  readonly #observe: BatchObserver | undefined;
  readonly #linger: CoalescerOptions['linger'];
  #pending: Pending<I, O>[] = [];
  #running = false;

  /** `run` must return one output per item, in order. */
  constructor(run: (items: readonly I[]) => Promise<readonly O[]>, options: CoalescerOptions = {}) {
    this.#run = run;
    this.#maxBatch = options.maxBatch ?? 64;
    this.#observe = options.observe;
    this.#linger = options.linger;
  }

  /** Runs `item` in the next batch. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      const started = performance.now();
      try {
        const outputs = await this.#run(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => {
          entry.resolve(outputs[index] as O);
        });
        this.#observe?.(batch.length, performance.now() - started);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
      if (this.#linger !== undefined && batch.length >= this.#linger.items)
        await sleep(this.#linger.ms);
    }
    this.#running = false;
  }
}
