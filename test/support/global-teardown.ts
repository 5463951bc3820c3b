import { Redis } from 'ioredis';
import pg from 'pg';

/** Drops the run's databases and Redis keys, and stops any containers. */
export default async function globalTeardown(): Promise<void> {
  try {
    const runId = process.env.LW_TEST_RUN_ID;
    const databaseUrl = process.env.LW_TEST_DATABASE_URL;
    const redisUrl = process.env.LW_TEST_REDIS_URL;
    if (runId && databaseUrl) {
      // Imports npm packages only: jest runs this outside its module system.
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [`lw_test_${runId}_`],
      );
      for (const { datname } of rows)
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await client.end();
    }
    if (runId && redisUrl) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`lwtest:${runId}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  } finally {
    // Even when the cleanup above fails: nothing may be left running.
    await globalThis.__lettaTestServices?.stop();
  }
}
