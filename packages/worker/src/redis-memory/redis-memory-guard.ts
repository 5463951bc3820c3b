import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkEvictionPolicy,
  evictionRefusal,
  type EvictionPolicyCheck,
  type RedisConnection,
  type Settings,
} from '@letta-webhooks/shared';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { LogThrottle } from '../observability/log-throttle.js';
import { OomBackoff, type PausableWorker } from './oom-backoff.js';
import { createRedisMemoryMetrics } from './redis-memory-metrics.js';

/** Options of {@link RedisMemoryGuard}. */
export interface RedisMemoryGuardOptions {
  readonly settings: Settings;
  /** The worker's connection (it waits for Redis rather than failing fast). */
  readonly redis: RedisConnection;
  readonly worker: PausableWorker;
  readonly registry: Registry;
  readonly logger: Logger;
}

/**
 * A worker's defences against Redis memory faults: at start-up it refuses a
 * Redis whose eviction policy could drop queued jobs (unless
 * `WEBHOOK_ALLOW_EVICTING_REDIS` accepts it); while running it turns OOM
 * refusals into a paused, self-resuming back-off ({@link OomBackoff}) and
 * keeps repeated errors to one log line per interval.
 */
export class RedisMemoryGuard {
  readonly #options: RedisMemoryGuardOptions;
  readonly #metrics;
  readonly #throttle: LogThrottle;
  readonly #oom: OomBackoff;
  #closed = false;

  constructor(options: RedisMemoryGuardOptions) {
    this.#options = options;
    this.#metrics = createRedisMemoryMetrics(options.registry);
    this.#throttle = new LogThrottle({ logger: options.logger });
    const { redis, settings } = options;
    this.#oom = new OomBackoff({
      worker: options.worker,
      probe: () => redis.set(`${settings.queuePrefix}:oom-probe`, String(Date.now()), 'PX', 10_000),
      baseMs: settings.redisMemory.oomBackoffMs,
      maxMs: settings.redisMemory.oomBackoffMaxMs,
      logger: options.logger,
      throttle: this.#throttle,
      metrics: this.#metrics,
    });
  }

  /**
   * Reads the eviction policy once Redis answers. Resolves when the worker may
   * start; rejects with `INVALID_SETTINGS` (naming `noeviction` and the
   * setting) when Redis evicts and that is not accepted. An unreadable policy
   * is warned about once, counted in a metric, and not held against start-up.
   */
  async startUp(): Promise<void> {
    let check: EvictionPolicyCheck;
    for (;;) {
      try {
        check = await checkEvictionPolicy(this.#options.redis);
        break;
      } catch (error) {
        // No answer yet (a cluster still forming, a connection dropped): ask again.
        if (this.#closed) throw error;
        await sleep(1_000);
      }
    }
    const refusal = evictionRefusal(check, this.#options.settings.redisMemory.allowEvicting);
    if (refusal !== undefined) throw refusal;
    if (check.status === 'evicting') {
      this.#options.logger.warn(
        { node: check.node, policy: check.policy },
        'Redis evicts keys and WEBHOOK_ALLOW_EVICTING_REDIS accepts it: queued deliveries can vanish',
      );
    } else if (check.status === 'unreadable') {
      this.#metrics.policyUnreadable();
      this.#options.logger.warn(
        { node: check.node, reason: check.reason },
        "could not read Redis's maxmemory-policy; make sure it is noeviction",
      );
    }
  }

  /**
   * Handles an error from BullMQ or from a Redis call: an OOM refusal starts
   * (or counts towards) the back-off; anything else is logged, throttled.
   */
  observe(error: unknown, message = 'worker error'): void {
    if (this.#oom.observe(error)) return;
    this.#throttle.log('error', message, {
      err: error instanceof Error ? error.message : String(error),
    });
  }

  /** Readiness: fails while the worker is backing off an out-of-memory Redis. */
  readiness = (): Promise<void> =>
    this.#oom.backingOff
      ? Promise.reject(new Error('Redis is out of memory; job intake paused'))
      : Promise.resolve();

  /** Stops the back-off's timer (and a start-up check still waiting). */
  close(): void {
    this.#closed = true;
    this.#oom.close();
  }
}
