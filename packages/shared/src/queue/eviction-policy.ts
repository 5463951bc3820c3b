import { Cluster } from 'ioredis';
import { WebhookError } from '../errors.js';
import type { Settings } from '../settings.js';
import { createRedis, type RedisConnection } from './create-redis.js';

/** The only `maxmemory-policy` under which Redis never drops a queued job. */
export const SAFE_EVICTION_POLICY = 'noeviction';

/** The setting that accepts an evicting Redis. */
export const ALLOW_EVICTING_SETTING = 'WEBHOOK_ALLOW_EVICTING_REDIS';

/** What reading the eviction policy of every Redis master found. */
export type EvictionPolicyCheck =
  /** Every master runs `noeviction`. */
  | { readonly status: 'safe' }
  /** A master evicts keys: queued deliveries could vanish from it. */
  | { readonly status: 'evicting'; readonly node: string; readonly policy: string }
  /** The policy could not be read (INFO refused or without the field); `reason` says why. */
  | { readonly status: 'unreadable'; readonly node: string; readonly reason: string };

function nodeName(redis: {
  options: { host?: string | undefined; port?: number | undefined };
}): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}

/**
 * Reads `maxmemory_policy` from `INFO memory` on every master (a Redis
 * Cluster's masters, or the one server) — `INFO` rather than `CONFIG GET`,
 * which managed Redis services often disable. The first master that evicts,
 * or whose policy cannot be read, decides the result. Connection errors are
 * thrown: the caller checks again when Redis answers.
 */
export async function checkEvictionPolicy(redis: RedisConnection): Promise<EvictionPolicyCheck> {
  // A cluster knows its masters only once its slots are loaded.
  if (redis instanceof Cluster && redis.status !== 'ready') {
    await new Promise<void>((resolve) => {
      redis.once('ready', () => {
        resolve();
      });
    });
  }
  const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let unreadable: EvictionPolicyCheck | undefined;
  for (const master of masters) {
    const node = nodeName(master);
    let info: string;
    try {
      info = await master.info('memory');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A refused command is an answer; a broken connection is not.
      if (!/^(ERR|NOPERM|NOAUTH)/.test(message)) throw error;
      unreadable ??= { status: 'unreadable', node, reason: message };
      continue;
    }
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy === undefined) {
      unreadable ??= { status: 'unreadable', node, reason: 'INFO memory has no maxmemory_policy' };
    } else if (policy !== SAFE_EVICTION_POLICY) {
      return { status: 'evicting', node, policy };
    }
  }
  return unreadable ?? { status: 'safe' };
}

/**
 * The refusal of an evicting Redis as a typed error (`INVALID_SETTINGS`, so
 * the CLI exits 2) with a one-line message naming the way out; undefined when
 * the check passed, could not read the policy, or `allowEvicting` accepts the risk.
 */
export function evictionRefusal(
  check: EvictionPolicyCheck,
  allowEvicting: boolean,
): WebhookError | undefined {
  if (check.status !== 'evicting' || allowEvicting) return undefined;
  return new WebhookError({
    code: 'INVALID_SETTINGS',
    field: ALLOW_EVICTING_SETTING,
    message:
      `Redis ${check.node} has maxmemory-policy ${check.policy}, which can evict queued deliveries: ` +
      `set maxmemory-policy ${SAFE_EVICTION_POLICY} on every Redis master, ` +
      `or set ${ALLOW_EVICTING_SETTING}=true to accept the risk`,
  });
}

/**
 * The start-up check of a long-lived process (worker, API server): connects
 * to Redis (waiting until it answers), reads the eviction policy of every
 * master, disconnects, and throws the refusal of an evicting Redis — before
 * the process creates any queue, so the refusal is its only output. Returns
 * the reading, for the caller to warn about an unreadable policy.
 *
 * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_ALLOW_EVICTING_REDIS`).
 */
export async function verifyEvictionPolicy(
  settings: Pick<Settings, 'redisUrl' | 'redisClusterNodes' | 'redisMemory'>,
): Promise<EvictionPolicyCheck> {
  const redis = createRedis(settings, 'worker');
  try {
    const check = await checkEvictionPolicy(redis);
    const refusal = evictionRefusal(check, settings.redisMemory.allowEvicting);
    if (refusal !== undefined) throw refusal;
    return check;
  } finally {
    redis.disconnect();
  }
}
