import {
  checkEvictionPolicy,
  evictionRefusal,
  type RedisConnection,
  type WebhookError,
} from '@letta-webhooks/shared';

/**
 * The producer's side of the eviction-policy rule: Redis's `maxmemory-policy`
 * is read when Redis first answers, and from then on every publish is
 * refused with `INVALID_SETTINGS` if it evicts (unless
 * `WEBHOOK_ALLOW_EVICTING_REDIS` accepts the risk). Until Redis has answered,
 * publishing is not held up: the check cannot be made yet.
 */
export class RedisPolicyGate {
  readonly #redis: RedisConnection;
  readonly #allowEvicting: boolean;
  #verdict: 'safe' | WebhookError | undefined;
  #checking: Promise<void> | undefined;

  constructor(redis: RedisConnection, allowEvicting: boolean) {
    this.#redis = redis;
    this.#allowEvicting = allowEvicting;
    // The first answer from Redis triggers the check, publish or not.
    redis.once('ready', () => {
      this.#start().catch(() => undefined);
    });
  }

  /**
   * Resolves when publishing may go on.
   *
   * @throws {WebhookError} `INVALID_SETTINGS` when Redis evicts keys.
   */
  async verify(): Promise<void> {
    if (this.#verdict === undefined && this.#redis.status === 'ready') await this.#start();
    if (this.#verdict !== undefined && this.#verdict !== 'safe') throw this.#verdict;
  }

  #start(): Promise<void> {
    this.#checking ??= checkEvictionPolicy(this.#redis).then(
      (check) => {
        this.#verdict = evictionRefusal(check, this.#allowEvicting) ?? 'safe';
      },
      () => {
        // No answer after all: check again next time.
        this.#checking = undefined;
      },
    );
    return this.#checking;
  }
}
