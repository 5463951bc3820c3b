import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.js';

// bigserial ids come back as strings (no precision loss); int8 counts too.

/** Options for {@link createDb}. */
export interface CreateDbOptions {
  readonly connectionString: string;
  /** Pool size (a process's main pool takes `DATABASE_POOL_SIZE` from the settings). */
  readonly poolSize: number;
  /** Name shown in `pg_stat_activity`. Default `letta-webhooks`. */
  readonly applicationName?: string;
}

/**
 * A Kysely instance over its own pg pool. The caller owns it and closes it
 * with `db.destroy()`.
 */
export function createDb(options: CreateDbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    application_name: options.applicationName ?? 'letta-webhooks',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection emits 'error' on the pool;
  // without a listener that would crash the process.
  pool.on('error', () => undefined);
  // A checked-out client whose connection drops between queries (inside a
  // transaction, say) emits 'error' on itself; the failure reaches the caller
  // through its next query, so the event itself must not crash the process.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
