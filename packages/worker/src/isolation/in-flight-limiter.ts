interface Waiter {
  readonly grant: (granted: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Caps how many deliveries to one endpoint a worker process runs at once, so
 * a slow endpoint cannot take most of the worker's concurrency. A job over
 * the cap waits briefly for a slot — a fast endpoint frees one within
 * milliseconds — and is otherwise told to step aside (the caller postpones it).
 */
export class InFlightLimiter {
  readonly #limit: number;
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, Waiter[]>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes a slot for `key`, waiting up to `maxWaitMs`; false when none came free. */
  acquire(key: string, maxWaitMs: number): Promise<boolean> {
    const count = this.#counts.get(key) ?? 0;
    if (count < this.#limit) {
      this.#counts.set(key, count + 1);
      return Promise.resolve(true);
    }
    if (maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const queue = this.#waiters.get(key) ?? [];
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const waiting = this.#waiters.get(key) ?? [];
          const index = waiting.indexOf(waiter);
          if (index >= 0) waiting.splice(index, 1);
          if (waiting.length === 0) this.#waiters.delete(key);
          resolve(false);
        }, maxWaitMs),
      };
      queue.push(waiter);
      this.#waiters.set(key, queue);
    });
  }

  /** Gives back a slot; the longest waiter for `key`, if any, takes it over. */
  release(key: string): void {
    const queue = this.#waiters.get(key);
    const next = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.#waiters.delete(key);
    if (next !== undefined) {
      clearTimeout(next.timer);
      next.grant(true);
      return;
    }
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }

  /** Deliveries in flight to `key` now. */
  inFlight(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
