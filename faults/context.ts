// What every scenario shares: the suite's own database (recreated each run),
// the verifying receiver, and the environment every process gets.
import { randomBytes } from 'node:crypto';
import { createDb, loadSettings, type Database } from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';
import { freshDatabase } from '../scripts/fresh-database.js';
import { openStage, type Stage, type StageOptions } from './stage.js';
import { startVerifyingReceiver, type VerifyingReceiver } from './support/verifying-receiver.js';

/** The suite's own database: the only one whose connections a scenario may kill. */
export const FAULTS_DATABASE = 'letta_webhooks_faults';

/** What scenarios get. */
export interface FaultContext {
  readonly quick: boolean;
  /** Deliveries per scenario (1,000 in --quick, 10,000 otherwise). */
  readonly n: number;
  readonly databaseUrl: string;
  /** A pool of the suite's own (application name `lw-faults-checker`), never a fault's target. */
  readonly db: Kysely<Database>;
  readonly receiver: VerifyingReceiver;
  log(message: string): void;
  /** Opens a scenario's stage (own redis-server, clean tables, producer). */
  stage(options?: StageOptions): Promise<Stage>;
  close(): Promise<void>;
}

/** Creates the database and receiver shared by every scenario. */
export async function openContext(options: { readonly quick: boolean }): Promise<FaultContext> {
  const base = loadSettings();
  const databaseUrl = await freshDatabase(base.databaseUrl, FAULTS_DATABASE);
  const db = createDb({
    connectionString: databaseUrl,
    poolSize: 2,
    applicationName: 'lw-faults-checker',
  });
  const receiver = await startVerifyingReceiver();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    WEBHOOK_QUEUE_PREFIX: '{lw-faults}',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_ADMIN_PORT: 'off',
    WEBHOOK_SECRET_ENCRYPTION_KEYS: `f1:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
  };
  return {
    quick: options.quick,
    n: options.quick ? 1_000 : 10_000,
    databaseUrl,
    db,
    receiver,
    log: (message) => process.stderr.write(`[faults] ${message}\n`),
    stage: (stageOptions) => openStage({ db, receiver, env }, stageOptions),
    async close() {
      await receiver.close();
      await db.destroy();
    },
  };
}
