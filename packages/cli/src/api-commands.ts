import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ApiKeyInfo, ApiKeyStore } from '@letta-webhooks/api';
import { createDb, createLogger, loadSettings, verifyEvictionPolicy } from '@letta-webhooks/shared';
import { formatTable } from './format-table.js';
import { show, type Output } from './output.js';
import { SHUTDOWN_MARGIN_MS, runUntilSignal } from './run-until-signal.js';

async function runApi(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger('letta-webhooks-api', settings.logLevel);
  await runUntilSignal({
    logger,
    async start() {
      // Loaded on demand: the HTTP server's modules would slow every other command's start.
      const { startApi } = await import('@letta-webhooks/api');
      // The worker's start-up checks: refused before anything listens, the refusal its only output.
      await verifyEvictionPolicy(settings);
      return startApi({ settings, logger });
    },
    stopping: 'stopping: finishing requests in flight',
    stopped: 'API stopped',
    close: (api) => api.close(),
    deadlineMs: settings.api.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS,
  });
}

const keyColumns = ['id', 'name', 'organizationId', 'admin', 'prefix', 'createdAt', 'revokedAt'];

/** Adds `api` (serve the HTTP API) and `api-keys create|list|revoke` to the program. */
export function addApiCommands(program: CommandUnknownOpts, output: () => Output): void {
  program
    .command('api')
    .description('serve the HTTP API (/v1, /docs, /openapi.json) until SIGTERM or SIGINT')
    .action(runApi);

  async function withKeys(action: (keys: ApiKeyStore, out: Output) => Promise<void>) {
    const settings = loadSettings();
    const db = createDb({ connectionString: settings.databaseUrl, poolSize: 1 });
    try {
      const { ApiKeyStore } = await import('@letta-webhooks/api');
      await action(new ApiKeyStore(db), output());
    } finally {
      await db.destroy();
    }
  }
  const row = (key: ApiKeyInfo) => ({ ...key, organizationId: key.organizationId ?? '(all)' });

  const keys = program.command('api-keys').description('manage the API keys of the HTTP API');
  keys
    .command('create')
    .description('create a key for one organization (--org) or every one (--admin); prints it once')
    .option('--org <organizationId>', 'the organization the key acts for')
    .option('--admin', 'a key that acts for every organization')
    .option('--name <text>', 'a label, to tell keys apart')
    .option('--json', 'print { "id", "key" } as JSON')
    .action((o) =>
      withKeys(async (store, out) => {
        const name = o.name === undefined ? {} : { name: o.name };
        const created = await store.create(
          o.admin === true
            ? { admin: true, ...name, ...(o.org === undefined ? {} : { organizationId: o.org }) }
            : { organizationId: o.org ?? '', ...name },
        );
        if (out.json || o.json === true) {
          out.write(JSON.stringify({ id: created.id, key: created.key }));
          return;
        }
        out.write(
          `${formatTable([row(created)], keyColumns)}\nkey: ${created.key}\n(shown once: store it now)`,
        );
      }),
    );
  keys
    .command('list')
    .description('list keys (never the keys themselves), oldest first')
    .option('--org <organizationId>', "only this organization's keys")
    .option('--active', 'leave out revoked keys')
    .action((o) =>
      withKeys(async (store, out) => {
        const listed = await store.list({
          ...(o.org === undefined ? {} : { organizationId: o.org }),
          includeRevoked: o.active !== true,
        });
        show(out, listed, () => formatTable(listed.map(row), keyColumns));
      }),
    );
  keys
    .command('revoke <id>')
    .description('revoke a key; every API process stops accepting it within 5 s')
    .action((id) =>
      withKeys(async (store, out) => {
        const revoked = await store.revoke(id);
        show(out, revoked, () => `revoked ${revoked.id}`);
      }),
    );
}
