// Runs the example agent service once against the configured Redis and
// Postgres (its own database, letta_webhooks_example), then prints what it
// published. Start `letta-webhooks worker` with the same settings to deliver.
import { migrateToLatest } from '@letta-webhooks/migrations';
import { createProducer, loadSettings } from '@letta-webhooks/producer';
import pg from 'pg';
import { AgentService } from './agent-service.js';

const DATABASE = 'letta_webhooks_example';

async function main(): Promise<void> {
  const base = loadSettings();
  const admin = new pg.Client({ connectionString: base.databaseUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = new URL(base.databaseUrl);
  url.pathname = `/${DATABASE}`;
  const { error } = await migrateToLatest({ connectionString: url.toString() });
  if (error) throw error;

  const webhooks = createProducer({
    settings: loadSettings({ ...process.env, DATABASE_URL: url.toString() }),
  });
  try {
    // Reuse the example's endpoint across runs rather than adding one each time.
    const existing = await webhooks.listEndpoints({ organizationId: 'org-example', limit: 1 });
    const endpoint =
      existing.data[0] ??
      (await webhooks.createEndpoint({
        url: 'https://example.com/letta-webhooks',
        organizationId: 'org-example',
        eventTypes: ['*'],
        description: 'example: every event of every agent',
      }));
    const service = new AgentService(webhooks, 'org-example');
    const agentId = 'agent-example';
    const results = [
      await service.attachTool(agentId, {
        id: 'tool-search',
        name: 'web_search',
        tool_type: 'letta_builtin',
      }),
      ...(await service.runTurn(agentId, 'hello')).published,
      await service.completeJob(agentId, 'batch'),
    ];
    const detached = await service.detachTool(agentId, 'tool-search');
    if (detached) results.push(detached);
    for (const result of results)
      console.log(`${result.eventId}  → ${result.deliveries.length} delivery`);
    console.log(
      `\n${results.length} events published to endpoint ${endpoint.id} (database ${DATABASE}).`,
    );
    console.log(
      'Run `letta-webhooks worker` with DATABASE_URL pointing at that database to deliver them.',
    );
  } finally {
    await webhooks.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
