// The README's first command: publish → deliver → verify → show the record.
// Creates and migrates its own database, runs a receiver, a worker and a
// producer in this process, and shuts all of them down at the end.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProducer } from '@letta-webhooks/producer';
import {
  EVENT_TYPES,
  EXAMPLE_EVENT_DATA,
  createDb,
  loadSettings,
  verifyWebhook,
} from '@letta-webhooks/shared';
import { formatTable } from '@letta-webhooks/cli';
import { createWorker } from '@letta-webhooks/worker';
import { Redis } from 'ioredis';
import { freshDatabase } from './fresh-database.js';

const DEMO_DATABASE = 'letta_webhooks_demo';
const DEMO_PREFIX = '{letta-webhooks-demo}';
const TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const base = loadSettings();
  console.log(`Postgres ${new URL(base.databaseUrl).host}, Redis ${new URL(base.redisUrl).host}`);
  const databaseUrl = await freshDatabase(base.databaseUrl, DEMO_DATABASE);
  console.log(`database ${DEMO_DATABASE}: created and migrated`);

  const settings = loadSettings({
    ...process.env,
    DATABASE_URL: databaseUrl,
    WEBHOOK_QUEUE_PREFIX: DEMO_PREFIX,
    // The receiver is on loopback, which the SSRF guard refuses by default.
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    // Retries after half a second rather than ten, so the flaky endpoint recovers quickly.
    WEBHOOK_BACKOFF_BASE_MS: '500',
    WEBHOOK_ADMIN_PORT: 'off',
    // Secrets are encrypted at rest; the demo's database is new on every run, so a new key does.
    WEBHOOK_SECRET_ENCRYPTION_KEYS:
      process.env.WEBHOOK_SECRET_ENCRYPTION_KEYS || `demo:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const redis = new Redis(settings.redisUrl);
  const stale = await redis.keys(`${DEMO_PREFIX}:*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();

  // The customer's side: a receiver that verifies every request.
  const secrets = new Map<string, string>();
  const verified: string[] = [];
  let flakyCalls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path === '/flaky' && ++flakyCalls <= 2) {
        res.writeHead(503).end('try again');
        return;
      }
      try {
        const envelope = verifyWebhook(Buffer.concat(chunks), req.headers, secrets.get(path) ?? []);
        verified.push(`${envelope.event_type} → ${path}`);
        res.writeHead(204).end();
      } catch (error) {
        console.error(`receiver rejected a request: ${(error as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  console.log(`receiver listening on http://127.0.0.1:${port}`);

  const worker = createWorker({ settings });
  const producer = createProducer({ settings, organizationId: 'org-demo' });
  try {
    const main = await producer.createEndpoint({
      url: `http://127.0.0.1:${port}/hooks`,
      organizationId: 'org-demo',
      agentId: 'agent-demo',
      eventTypes: ['*'],
      description: 'demo: every event',
    });
    const flaky = await producer.createEndpoint({
      url: `http://127.0.0.1:${port}/flaky`,
      organizationId: 'org-demo',
      agentId: 'agent-demo',
      eventTypes: ['agent.run.completed'],
      description: 'demo: fails twice, then succeeds',
    });
    secrets.set('/hooks', main.secret);
    secrets.set('/flaky', flaky.secret);

    const deliveryIds: string[] = [];
    for (const type of EVENT_TYPES) {
      const result = await producer.publishEvent('agent-demo', type, EXAMPLE_EVENT_DATA[type]);
      deliveryIds.push(...result.deliveries.map((d) => d.deliveryId));
    }
    console.log(`published ${EVENT_TYPES.length} events → ${deliveryIds.length} deliveries`);

    const db = createDb({ connectionString: databaseUrl, poolSize: 1 });
    try {
      const deadline = Date.now() + TIMEOUT_MS;
      let lastProgress = '';
      for (;;) {
        const counts = await db
          .selectFrom('webhook_deliveries')
          .select(['status', db.fn.countAll<string>().as('n')])
          .groupBy('status')
          .execute();
        const by = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
        const done = (by.succeeded ?? 0) + (by.failed ?? 0) + (by.cancelled ?? 0);
        const progress = `  delivered ${by.succeeded ?? 0}/${deliveryIds.length}, pending ${by.pending ?? 0}, failed ${by.failed ?? 0}, verified by receiver ${verified.length}`;
        if (progress !== lastProgress) {
          process.stdout.write(process.stdout.isTTY ? `\r${progress}   ` : `${progress}\n`);
          lastProgress = progress;
        }
        if (done >= deliveryIds.length) break;
        if (Date.now() > deadline) throw new Error('deliveries did not finish within 60 s');
        await sleep(250);
      }
      process.stdout.write(process.stdout.isTTY ? '\n\n' : '\n');

      const deliveries = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select([
          'd.id',
          'd.event_type',
          'e.url',
          'd.status',
          'd.attempt_count as attempts',
          'd.last_status_code as last_status',
        ])
        .orderBy('d.created_at')
        .execute();
      console.log('Deliveries (from Postgres)');
      console.log(formatTable(deliveries));
      const attempts = await db
        .selectFrom('webhook_attempts')
        .select([
          'delivery_id',
          'attempt_number as n',
          'started_at',
          'status_code',
          'outcome',
          'duration_ms',
          'error_message',
        ])
        .orderBy('id')
        .execute();
      console.log('\nAttempts (from Postgres)');
      console.log(formatTable(attempts));

      const failed = deliveries.filter((d) => d.status !== 'succeeded').length;
      console.log(
        `\n${deliveries.length - failed} of ${deliveries.length} delivered; receiver verified ${verified.length} signatures; flaky endpoint called ${flakyCalls} times.`,
      );
      if (failed > 0 || verified.length !== deliveryIds.length) process.exitCode = 1;
    } finally {
      await db.destroy();
    }
  } finally {
    await worker.close();
    await producer.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    console.log(`shut down cleanly; database ${DEMO_DATABASE} kept for inspection`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
