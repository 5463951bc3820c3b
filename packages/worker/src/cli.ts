import { migrateToLatest } from '@letta-webhooks/migrations';
import { isWebhookError, loadSettings } from '@letta-webhooks/shared';
import { Command } from 'commander';
import { createWorker } from './create-worker.js';
import { createLogger } from './logger.js';

// Exit codes a script can rely on.
const EXIT_FAILURE = 1;
const EXIT_BAD_SETTINGS = 2;

async function runWorker(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel);
  const running = createWorker({ settings, logger });
  logger.info({ queue: settings.queueName, concurrency: settings.concurrency }, 'worker started');
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: finishing in-flight deliveries');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void running.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info('worker stopped');
}

async function runMigrations(): Promise<void> {
  const settings = loadSettings();
  const { results, error } = await migrateToLatest({ connectionString: settings.databaseUrl });
  for (const result of results) console.log(`${result.status.padEnd(15)} ${result.name}`);
  if (error) {
    console.error(error.message);
    process.exitCode = EXIT_FAILURE;
  }
}

/** The `letta-webhooks` command line. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = new Command('letta-webhooks')
    .description(
      'Letta webhooks: delivery worker and operator commands. Settings come from the environment.',
    )
    .showHelpAfterError();
  program
    .command('worker')
    .description('deliver webhooks until SIGTERM or SIGINT')
    .action(runWorker);
  program
    .command('migrate')
    .description('apply database migrations not yet applied')
    .action(runMigrations);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (isWebhookError(error, 'INVALID_SETTINGS')) {
      console.error(error.message);
      process.exitCode = EXIT_BAD_SETTINGS;
      return;
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = EXIT_FAILURE;
  }
}
