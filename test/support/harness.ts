import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createDb,
  loadSettings,
  type Database,
  type Settings,
  type SettingsEnv,
} from '@letta-webhooks/shared';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { adminQuery, databaseUrlFor } from './admin.js';

/** A fresh database and queue prefix for one test file, and settings pointing at them. */
export interface TestContext {
  readonly settings: Settings;
  /** Settings as environment variables (for child processes). */
  readonly env: Readonly<Record<string, string>>;
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  /** Every Redis key under this context's queue prefix. */
  redisKeys(): Promise<string[]>;
  /** Derives settings with more overrides (same database and prefix). */
  withSettings(overrides: SettingsEnv): Settings;
  cleanup(): Promise<void>;
}

// Fast schedules for tests: delays shrink through settings, never by sleeping in tests.
const TEST_DEFAULTS: SettingsEnv = {
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
  WEBHOOK_BACKOFF_BASE_MS: '20',
  WEBHOOK_BACKOFF_MAX_MS: '200',
  WEBHOOK_ENDPOINT_CACHE_TTL_MS: '0',
  WEBHOOK_REQUEST_TIMEOUT_MS: '2000',
  WEBHOOK_SHUTDOWN_TIMEOUT_MS: '5000',
  WEBHOOK_WORKER_CONCURRENCY: '8',
  DATABASE_POOL_SIZE: '4',
  LOG_LEVEL: 'silent',
  // Many workers per test run: no fixed admin port.
  WEBHOOK_ADMIN_PORT: 'off',
  // Secrets are encrypted at rest by default: tests run the default.
  WEBHOOK_SECRET_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
};

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through jest (its global setup sets it)`);
  return value;
}

/** Creates a database cloned from the migrated template, and a unique queue prefix. */
export async function createTestContext(overrides: SettingsEnv = {}): Promise<TestContext> {
  const runId = required('LW_TEST_RUN_ID');
  const adminUrl = required('LW_TEST_DATABASE_URL');
  const suffix = randomBytes(4).toString('hex');
  const database = `lw_test_${runId}_${suffix}`;
  await adminQuery(
    adminUrl,
    `CREATE DATABASE "${database}" TEMPLATE "${required('LW_TEST_TEMPLATE')}"`,
  );
  const prefix = `lwtest:${runId}:${suffix}`;
  const env: Record<string, string> = {
    ...(TEST_DEFAULTS as Record<string, string>),
    DATABASE_URL: databaseUrlFor(adminUrl, database),
    REDIS_URL: required('LW_TEST_REDIS_URL'),
    WEBHOOK_QUEUE_PREFIX: prefix,
    ...(overrides as Record<string, string>),
  };
  const settings = loadSettings(env);
  const db = createDb({ connectionString: settings.databaseUrl, poolSize: 2 });
  const redis = new Redis(settings.redisUrl);
  const redisKeys = async () => (await redis.keys(`${prefix}:*`)).sort();
  return {
    settings,
    env,
    db,
    redis,
    redisKeys,
    withSettings: (more) => loadSettings({ ...env, ...(more as Record<string, string>) }),
    async cleanup() {
      await db.destroy();
      const keys = await redisKeys();
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 15_000, what = 'condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
