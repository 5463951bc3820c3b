import { Redis, type RedisOptions } from 'ioredis';

/** Who a connection is for; each wants different failure behaviour. */
export type RedisRole = 'producer' | 'worker';

/**
 * An ioredis connection for BullMQ. A producer fails fast while Redis is
 * down (publishEvent rejects instead of queueing commands in memory); a
 * worker retries forever, as BullMQ's blocking commands require.
 */
export function createRedis(url: string, role: RedisRole, overrides: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true, connectTimeout: 10_000 };
  const redis = new Redis(url, { ...options, lazyConnect: false, ...overrides });
  // Connection errors are retried by ioredis and surface on commands;
  // an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
