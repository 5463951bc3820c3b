export { MIGRATIONS_DIR, listMigrations, migrateToLatest } from './migrate.js';
export type { MigrateOptions, MigrationResult, MigrationRunResult } from './migrate.js';
