import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import {
  createDb,
  createLogger,
  isWebhookError,
  loadSettings,
  requireEncryptionAtRest,
  verifyEvictionPolicy,
  type Settings,
} from '@letta-webhooks/shared';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { addApiCommands } from './api-commands.js';
import { addOperatorCommands } from './operator-commands.js';
import { days } from './option-parsers.js';
import type { Output } from './output.js';
import { SHUTDOWN_MARGIN_MS, runUntilSignal } from './run-until-signal.js';
import { probePostgres, probeRedis } from './service-probe.js';

// The long-running commands wait for their services themselves (a worker may
// start before Redis); every other command checks first, exiting 6 with one
// line when one does not answer. Only these need Redis: the rest never wait for it.
const DAEMONS = new Set(['worker', 'api']);

// This package's version (src or dist → the package root).
const VERSION = z
  .object({ version: z.string() })
  .parse(createRequire(import.meta.url)('../package.json')).version;
const NEEDS_REDIS = new Set([
  'stats',
  'resend',
  'recover',
  'endpoints create',
  'endpoints update',
  'endpoints rotate-secret',
  'endpoints disable',
  'endpoints enable',
  'endpoints delete',
]);

function commandPath(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let at: CommandUnknownOpts | null = command; at?.parent; at = at.parent)
    names.unshift(at.name());
  return names.join(' ');
}

async function probeServices(settings: Settings, path: string): Promise<void> {
  if (DAEMONS.has(path)) return;
  await probePostgres(settings);
  if (NEEDS_REDIS.has(path)) await probeRedis(settings);
}

// Each command loads the packages it runs when it runs (the worker package alone takes
// about half a second of CPU to load): --help, --version and the other commands start faster.

async function runWorker(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger('letta-webhooks-worker', settings.logLevel);
  await runUntilSignal({
    logger,
    async start() {
      const { createWorker } = await import('@letta-webhooks/worker');
      // Refused before any queue exists, so the refusal is the one line printed.
      await verifyEvictionPolicy(settings);
      const running = createWorker({ settings, logger });
      try {
        await running.adminPort();
        await running.started();
      } catch (error) {
        await running.close();
        throw error;
      }
      logger.info(
        { queue: settings.queueName, concurrency: settings.concurrency },
        'worker started',
      );
      return running;
    },
    stopping: 'stopping: finishing in-flight deliveries',
    stopped: 'worker stopped',
    close: (running) => running.close(),
    deadlineMs: settings.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS,
  });
}

async function runMigrations(): Promise<void> {
  const settings = loadSettings();
  const { migrateToLatest } = await import('@letta-webhooks/migrations');
  const { results, error } = await migrateToLatest({ connectionString: settings.databaseUrl });
  for (const result of results) console.log(`${result.status.padEnd(15)} ${result.name}`);
  if (error) {
    console.error(error.message);
    process.exitCode = EXIT_CODES.FAILURE;
  }
}

/** The `letta-webhooks` command line. Sets `process.exitCode`; never calls `process.exit`. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // Known before parsing, for errors in parsing itself.
  const json = argv.slice(2).includes('--json');
  const program = new Command('letta-webhooks')
    .description(
      'Letta webhooks: delivery worker, HTTP API and operator commands. Settings come from the environment.',
    )
    .version(VERSION, '--version', 'print the version')
    .option('--json', 'print results as JSON (errors too, on stderr)')
    // A usage mistake is one line (JSON with --json) pointing to --help, not the whole usage.
    .configureOutput({
      outputError: (message, write) => {
        const text = message.trim().replace(/^error: /, '');
        write(
          json
            ? `${JSON.stringify({ error: { code: 'INVALID_INPUT', field: null, message: text } })}\n`
            : `error: ${text} (see --help)\n`,
        );
      },
    })
    .exitOverride()
    // Every command reads settings: a bad one, or secrets left unencrypted without
    // the explicit opt-out, stops the command before it connects to anything.
    .hook('preAction', async (_program, command) => {
      const settings = loadSettings();
      requireEncryptionAtRest(settings);
      await probeServices(settings, commandPath(command));
    });
  const output = (): Output => ({
    json: program.opts().json === true,
    write: (text) => {
      console.log(text);
    },
  });
  program
    .command('worker')
    .description('deliver webhooks until SIGTERM or SIGINT')
    .action(runWorker);
  program
    .command('migrate')
    .description('apply database migrations not yet applied')
    .action(runMigrations);
  program
    .command('cleanup')
    .description('delete settled deliveries and attempts older than the retention period, once')
    .option('--older-than <days>', 'default WEBHOOK_RETENTION_DAYS', days)
    .action(async (o) => {
      const settings = loadSettings();
      const { deleteOldDeliveries } = await import('@letta-webhooks/worker');
      const db = createDb({ connectionString: settings.databaseUrl, poolSize: 1 });
      try {
        const olderThanMs = (o.olderThan ?? settings.retention.days) * 86_400_000;
        const result = await deleteOldDeliveries(db, olderThanMs);
        output().write(
          output().json
            ? JSON.stringify(result)
            : `deleted ${result.deliveries} deliveries, ${result.attempts} attempts, ${result.events} events`,
        );
      } finally {
        await db.destroy();
      }
    });
  addOperatorCommands(program, output);
  addApiCommands(program, output);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the usage problem (or the help).
      process.exitCode = error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.BAD_INPUT;
      return;
    }
    process.exitCode = exitCodeFor(error);
    if (output().json) {
      const body = isWebhookError(error)
        ? { code: error.code, field: error.field ?? null, message: error.message }
        : {
            code: 'FAILURE',
            field: null,
            message: error instanceof Error ? error.message : String(error),
          };
      console.error(JSON.stringify({ error: body }));
    } else {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
