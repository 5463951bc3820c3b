import { WebhookError, createDb, withTimeout, type Settings } from '@letta-webhooks/shared';
import { Redis } from 'ioredis';
import { sql } from 'kysely';

/** How long a command waits for Postgres or Redis to answer before it exits 6. */
export const PROBE_TIMEOUT_MS = 5_000;

function reason(error: unknown): string {
  if (error instanceof Error) {
    return 'code' in error && typeof error.code === 'string' ? error.code : error.message;
  }
  return String(error);
}

/** Resolves once `work` does, or rejects when it takes longer than {@link PROBE_TIMEOUT_MS}. */
async function answers(work: Promise<unknown>): Promise<void> {
  if ((await withTimeout(work, PROBE_TIMEOUT_MS)).timedOut)
    throw new Error(`no answer within ${String(PROBE_TIMEOUT_MS)} ms`);
}

/**
 * Checks that Postgres answers, so a command fails with one line and exit 6
 * (`DATABASE_UNAVAILABLE`) within {@link PROBE_TIMEOUT_MS} instead of a raw
 * socket error or a hang. The connection is opened as every process opens it
 * (`createDb`, whose pool gives up connecting after the same 5 s).
 */
export async function probePostgres(settings: Pick<Settings, 'databaseUrl'>): Promise<void> {
  const db = createDb({ connectionString: settings.databaseUrl, poolSize: 1 });
  try {
    await answers(sql`SELECT 1`.execute(db));
  } catch (error) {
    throw new WebhookError({
      code: 'DATABASE_UNAVAILABLE',
      message: `Postgres unreachable at ${new URL(settings.databaseUrl).host} (${reason(error)})`,
      cause: error,
    });
  } finally {
    // Not awaited: a connection attempt still hanging must not hold the command.
    void db.destroy().catch(() => undefined);
  }
}

/**
 * Checks that Redis answers (any one node of a cluster), for the commands
 * that need it; the others never wait for Redis.
 */
export async function probeRedis(
  settings: Pick<Settings, 'redisUrl' | 'redisClusterNodes'>,
): Promise<void> {
  const targets =
    settings.redisClusterNodes.length > 0
      ? settings.redisClusterNodes.map((node) => `redis://${node.host}:${String(node.port)}`)
      : [settings.redisUrl];
  let last: unknown;
  for (const target of targets) {
    const redis = new Redis(target, {
      lazyConnect: true,
      connectTimeout: PROBE_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await answers(redis.connect().then(() => redis.ping()));
      return;
    } catch (error) {
      last = error;
    } finally {
      redis.disconnect();
    }
  }
  const first = targets[0] ?? settings.redisUrl;
  throw new WebhookError({
    code: 'QUEUE_UNAVAILABLE',
    message: `Redis unreachable at ${new URL(first).host} (${reason(last)})`,
    cause: last,
  });
}
