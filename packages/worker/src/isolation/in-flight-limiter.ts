/**
 * Caps how many deliveries to one endpoint a worker process runs at once, so
 * a slow endpoint cannot take most of the worker's concurrency.
 */
export class InFlightLimiter {
  readonly #limit: number;
  readonly #counts = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes a slot for `key`; false when it already has `limit` in flight. */
  tryAcquire(key: string): boolean {
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#limit) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  /** Gives back a slot taken by {@link tryAcquire}. */
  release(key: string): void {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }

  /** Deliveries in flight to `key` now. */
  inFlight(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}
