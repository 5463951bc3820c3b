import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '@letta-webhooks/shared';

/**
 * Notices that Redis lost its data (restarted without persistence, flushed,
 * failed over to an empty replica) through a marker key: each worker
 * remembers the marker's value; a marker gone or changed means everything
 * queued may be gone. The first worker to notice writes a new marker; the
 * others see it changed.
 */
export class RedisLossDetector {
  readonly #redis: RedisConnection;
  readonly #key: string;
  #known: string | undefined;
  // A loss seen but not yet recovered from (the recovery failed): report it again.
  #unrecovered = false;

  /** `prefix` is the queue prefix, so that the marker lives in the queue's hash slot. */
  constructor(redis: RedisConnection, prefix: string, queueName: string) {
    this.#redis = redis;
    this.#key = `${prefix}:${queueName}:data-marker`;
  }

  /**
   * True when Redis may have lost queued jobs since the last check — also at
   * the first check when no marker exists yet (a new or emptied Redis), and
   * until {@link recovered} is called.
   */
  async lost(): Promise<boolean> {
    let current = await this.#redis.get(this.#key);
    let lost = this.#unrecovered;
    if (current === null) {
      const fresh = randomBytes(12).toString('hex');
      const set = await this.#redis.set(this.#key, fresh, 'NX');
      current = set === 'OK' ? fresh : await this.#redis.get(this.#key);
      lost = true;
    } else if (this.#known !== undefined && current !== this.#known) {
      lost = true;
    }
    if (current !== null) this.#known = current;
    this.#unrecovered = lost;
    return lost;
  }

  /** Says that every delivery queued before the loss was checked and re-enqueued. */
  recovered(): void {
    this.#unrecovered = false;
  }
}
