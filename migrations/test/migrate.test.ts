import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { adminQuery, databaseUrlFor } from '../../test/support/admin.js';
import { listMigrations, migrateToLatest } from '../src/index.js';

describe('migrations', () => {
  const adminUrl = process.env.LW_TEST_DATABASE_URL ?? '';
  const database = `lw_test_${process.env.LW_TEST_RUN_ID ?? 'x'}_migrate`;
  const url = databaseUrlFor(adminUrl, database);

  beforeAll(async () => {
    await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  it('are numbered in increasing order without duplicates (gaps are lane number blocks)', async () => {
    const numbers = (await listMigrations()).map((name) => Number(name.slice(0, 4)));
    expect(numbers[0]).toBe(1);
    expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
  });

  it('apply once when several processes run them at the same time, then are a no-op', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrateToLatest({ connectionString: url })));
    for (const run of runs) expect(run.error).toBeUndefined();
    const applied = runs.flatMap((run) =>
      run.results.filter((r) => r.status === 'applied').map((r) => r.name),
    );
    expect(applied.sort()).toEqual(await listMigrations());

    const again = await migrateToLatest({ connectionString: url });
    expect(again.error).toBeUndefined();
    expect(again.results.every((r) => r.status === 'already-applied')).toBe(true);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    await client.end();
    expect(tables.rows.map((row) => row.table_name)).toEqual([
      'webhook_api_keys',
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_delivery_queue',
      'webhook_endpoints',
      'webhook_events',
      'webhook_migrations',
      'webhook_organization_secrets',
      'webhook_portal_sessions',
    ]);
  });

  it('report a failing migration as a result, leaving nothing half-applied', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(`${tmpdir()}/lw-migrations-`);
    await writeFile(`${directory}/0001_good.sql`, 'CREATE TABLE lw_probe_good (id int);');
    await writeFile(
      `${directory}/0002_bad.sql`,
      'CREATE TABLE lw_probe_bad (id int); SELECT no_such_function();',
    );
    const failing = `lw_test_${process.env.LW_TEST_RUN_ID ?? 'x'}_migrate_bad`;
    await adminQuery(adminUrl, `CREATE DATABASE "${failing}"`);
    try {
      const run = await migrateToLatest({
        connectionString: databaseUrlFor(adminUrl, failing),
        directory,
      });
      expect(run.error?.message).toMatch(/0002_bad\.sql failed/);
      expect(run.results).toEqual([{ name: '0001_good.sql', status: 'applied' }]);
      const left = await adminQuery<{ n: string }>(
        databaseUrlFor(adminUrl, failing),
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'lw_probe_bad'",
      );
      expect(left[0]?.n).toBe('0');
    } finally {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${failing}" WITH (FORCE)`);
    }
  });
});
