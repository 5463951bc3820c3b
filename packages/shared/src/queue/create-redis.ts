import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Settings } from '../settings.js';

/** A Redis connection: one server, or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/** Who a connection is for; each wants different failure behaviour. */
export type RedisRole = 'producer' | 'worker';

/**
 * An ioredis connection for BullMQ, to `REDIS_URL` or, when
 * `REDIS_CLUSTER_NODES` is set, to that Redis Cluster. A producer fails fast
 * while Redis is down (publishEvent rejects instead of queueing commands in
 * memory); a worker retries forever, as BullMQ's blocking commands require.
 */
export function createRedis(
  settings: Pick<Settings, 'redisUrl' | 'redisClusterNodes'>,
  role: RedisRole,
): RedisConnection {
  const options: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true, connectTimeout: 10_000 };
  const { enableOfflineQueue, ...nodeOptions } = options;
  const redis =
    settings.redisClusterNodes.length > 0
      ? new Cluster([...settings.redisClusterNodes], {
          redisOptions: nodeOptions,
          enableOfflineQueue: enableOfflineQueue ?? true,
          ...(role === 'producer' ? {} : { clusterRetryStrategy: () => 1_000 }),
        })
      : new Redis(settings.redisUrl, { ...options, lazyConnect: false });
  // Connection errors are retried by ioredis and surface on commands;
  // an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
