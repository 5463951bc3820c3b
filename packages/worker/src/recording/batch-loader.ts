/**
 * Coalesces look-ups: keys asked for while a load is in flight (or in the
 * same tick) are fetched together in the next load, up to `maxBatch` at a
 * time. Under load this turns one query per job into one query per batch;
 * when idle a look-up waits for nothing.
 */
export class BatchLoader<K, V> {
  readonly #load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>;
  readonly #maxBatch: number;
  #pending: {
    key: K;
    resolve: (value: V | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #running = false;

  constructor(load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>, maxBatch = 256) {
    this.#load = load;
    this.#maxBatch = maxBatch;
  }

  /** The value for `key`, or undefined when the load has none. */
  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ key, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        const values = await this.#load([...new Set(batch.map((entry) => entry.key))]);
        for (const entry of batch) entry.resolve(values.get(entry.key));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#running = false;
  }
}
