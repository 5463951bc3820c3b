import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics about Redis memory: OOM refusals, the back-off they cause, an unreadable eviction policy. */
export interface RedisMemoryMetrics {
  /** One write Redis refused for lack of memory. */
  oomRefusal(): void;
  /** Whether the worker is backing off an out-of-memory Redis now. */
  backingOff(on: boolean): void;
  /** The eviction policy could not be read at start-up. */
  policyUnreadable(): void;
}

/** Registers the Redis memory metrics on `registry`. */
export function createRedisMemoryMetrics(registry: Registry): RedisMemoryMetrics {
  const refusals = new Counter({
    name: 'letta_webhooks_redis_oom_refusals_total',
    help: 'Redis commands refused with OOM (maxmemory reached under noeviction).',
    registers: [registry],
  });
  const backoff = new Gauge({
    name: 'letta_webhooks_redis_oom_backoff',
    help: '1 while the worker has paused job intake because Redis is out of memory, else 0.',
    registers: [registry],
  });
  const unreadable = new Gauge({
    name: 'letta_webhooks_redis_eviction_policy_unreadable',
    help: "1 when Redis's maxmemory-policy could not be read at start-up (eviction not ruled out), else 0.",
    registers: [registry],
  });
  backoff.set(0);
  unreadable.set(0);
  return {
    oomRefusal: () => {
      refusals.inc();
    },
    backingOff: (on) => {
      backoff.set(on ? 1 : 0);
    },
    policyUnreadable: () => {
      unreadable.set(1);
    },
  };
}
