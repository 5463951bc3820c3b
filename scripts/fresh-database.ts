// Shared by the demo, the benchmark and the fault suite: each works in a
// database of its own, recreated and migrated on every run.
import { migrateToLatest } from '@letta-webhooks/migrations';
import pg from 'pg';

/** Drops and recreates database `name` on the server of `adminUrl`, migrates it, and returns its URL. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const migrated = await migrateToLatest({ connectionString: url.toString() });
  if (migrated.error) throw migrated.error;
  return url.toString();
}
