import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** Where the numbered `.sql` files live. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

// Any constant works; it only has to be the same in every process.
const ADVISORY_LOCK_KEY = 7_302_117_001;
const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** One migration and whether this run applied it. */
export interface MigrationResult {
  readonly name: string;
  readonly status: 'applied' | 'already-applied';
}

/** What {@link migrateToLatest} did; `error` is set when a migration failed. */
export interface MigrationRunResult {
  readonly results: readonly MigrationResult[];
  readonly error?: Error;
}

/** Options for {@link migrateToLatest}. */
export interface MigrateOptions {
  readonly connectionString: string;
  /** Folder of migration files. Default {@link MIGRATIONS_DIR}. */
  readonly directory?: string;
}

/** The migration files, in order. Throws on a misnamed file or a duplicate number. */
export async function listMigrations(directory: string = MIGRATIONS_DIR): Promise<string[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const seen = new Set<string>();
  for (const name of names) {
    const number = FILE_PATTERN.exec(name)?.[1];
    if (number === undefined)
      throw new Error(`migration file ${name} must be named NNNN_lowercase_words.sql`);
    if (seen.has(number)) throw new Error(`two migrations are numbered ${number}`);
    seen.add(number);
  }
  return names;
}

/**
 * Applies every migration not yet applied, in order, each in its own
 * transaction. Safe to run from several processes at once: they take turns
 * under a Postgres advisory lock, and each applies only what is missing.
 * Returns what it did rather than throwing on a failed migration.
 */
export async function migrateToLatest(options: MigrateOptions): Promise<MigrationRunResult> {
  const directory = options.directory ?? MIGRATIONS_DIR;
  const names = await listMigrations(directory);
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: 'letta-webhooks-migrate',
  });
  // A dropped connection surfaces through the next query; the event must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  const results: MigrationResult[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS webhook_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set(
      (await client.query<{ name: string }>('SELECT name FROM webhook_migrations')).rows.map(
        (row) => row.name,
      ),
    );
    for (const name of names) {
      if (applied.has(name)) {
        results.push({ name, status: 'already-applied' });
        continue;
      }
      const text = await readFile(`${directory}/${name}`, 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(text);
        await client.query('INSERT INTO webhook_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        const message = error instanceof Error ? error.message : String(error);
        return {
          results,
          error: new Error(`migration ${name} failed: ${message}`, { cause: error }),
        };
      }
      results.push({ name, status: 'applied' });
    }
    return { results };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
