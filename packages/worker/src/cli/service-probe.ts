import { WebhookError, type Settings } from '@letta-webhooks/shared';
import { Redis } from 'ioredis';
import pg from 'pg';

/** How long a command waits for Postgres or Redis to answer before it exits 6. */
export const PROBE_TIMEOUT_MS = 5_000;

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.message;
  }
  return String(error);
}

/** Resolves with `work`, or rejects after `ms`; the timer never outlives the race. */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks that Postgres answers, so a command fails with one line and exit 6
 * (`DATABASE_UNAVAILABLE`) within {@link PROBE_TIMEOUT_MS} instead of a raw
 * socket error or a hang.
 */
export async function probePostgres(settings: Pick<Settings, 'databaseUrl'>): Promise<void> {
  const client = new pg.Client({
    connectionString: settings.databaseUrl,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  const url = new URL(settings.databaseUrl);
  try {
    await within(
      client.connect().then(() => client.query('SELECT 1')),
      PROBE_TIMEOUT_MS,
    );
  } catch (error) {
    throw new WebhookError({
      code: 'DATABASE_UNAVAILABLE',
      message: `Postgres unreachable at ${url.host} (${reason(error)})`,
      cause: error,
    });
  } finally {
    void client.end().catch(() => undefined);
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
      await within(
        redis.connect().then(() => redis.ping()),
        PROBE_TIMEOUT_MS,
      );
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
