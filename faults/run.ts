// The fault suite: real worker processes on loopback, faults injected for
// real (SIGKILL, SIGTERM, a Redis restart, Postgres cut by a TCP proxy,
// misbehaving receivers), and for each scenario the no-loss check: every
// published delivery reached the receiver and is `succeeded` in Postgres.
// `--quick` is the bounded form CI runs.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProducer, isWebhookError, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, createDb, loadSettings } from '@letta-webhooks/shared';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { freshDatabase } from '../scripts/fresh-database.js';
import {
  check,
  startCountingReceiver,
  startWorker,
  waitForSucceeded,
  type Outcome,
  type WorkerProcess,
} from './harness.js';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const N = quick ? 1_000 : 10_000;
const DATABASE = 'letta_webhooks_faults';
const PREFIX = '{lw-faults}';
const log = (message: string) => process.stderr.write(`[faults] ${message}\n`);

async function main(): Promise<void> {
  const base = loadSettings();
  const databaseUrl = await freshDatabase(base.databaseUrl, DATABASE);
  const db = createDb({ connectionString: databaseUrl, poolSize: 2 });
  const receiver = await startCountingReceiver();
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    REDIS_URL: base.redisUrl,
    WEBHOOK_QUEUE_PREFIX: PREFIX,
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_ADMIN_PORT: 'off',
    LOG_LEVEL: 'error',
    WEBHOOK_LOCK_DURATION_MS: '5000',
    WEBHOOK_STALLED_INTERVAL_MS: '2000',
    WEBHOOK_BACKOFF_BASE_MS: '100',
    WEBHOOK_BACKOFF_MAX_MS: '2000',
    WEBHOOK_REQUEST_TIMEOUT_MS: '2000',
    WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
    WEBHOOK_SHUTDOWN_TIMEOUT_MS: '5000',
    WEBHOOK_ENDPOINT_CACHE_TTL_MS: '1000',
    ...extra,
  });
  const outcomes: Outcome[] = [];
  const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

  const reset = async (redisUrl = base.redisUrl) => {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await sql`TRUNCATE webhook_attempts, webhook_deliveries, webhook_events, webhook_endpoints CASCADE`.execute(
      db,
    );
    receiver.counts.clear();
  };
  const setup = async (settingsEnv: Record<string, string>, path = '/ok') => {
    const producer = createProducer({
      settings: loadSettings(settingsEnv),
      organizationId: 'org-f',
    });
    await producer.createEndpoint({
      url: `http://127.0.0.1:${receiver.port}${path}`,
      organizationId: 'org-f',
      agentId: 'agent-f',
      eventTypes: ['*'],
    });
    return producer;
  };
  const publish = async (producer: Producer, count: number, agentId = 'agent-f') => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 200) {
      const batch = Array.from({ length: Math.min(200, count - i) }, () => ({
        agentId,
        eventType: 'agent.step.completed' as const,
        data: step,
      }));
      for (const result of await producer.publishEvents(batch))
        ids.push(...result.deliveries.map((d) => d.deliveryId));
    }
    return ids;
  };
  const succeededCount = async (ids: readonly string[]) =>
    Number(
      (
        await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND id = ANY(${ids})`.execute(
          db,
        )
      ).rows[0]?.n ?? 0,
    );
  const stopAll = async (workers: WorkerProcess[]) => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
  };

  // 1. SIGKILL a worker mid-load.
  {
    log(`1. SIGKILL a worker in the middle of ${N} deliveries`);
    await reset();
    const producer = await setup(env());
    const started = Date.now();
    const workers = [startWorker(env()), startWorker(env())];
    const ids = await publish(producer, N);
    while ((await succeededCount(ids)) < N * 0.3) await sleep(50);
    workers[0]?.child.kill('SIGKILL');
    workers.push(startWorker(env()));
    await waitForSucceeded(db, ids, 180_000);
    await stopAll(workers);
    outcomes.push(
      await check(
        'SIGKILL mid-load',
        db,
        receiver,
        ids,
        started,
        'one of two workers killed at 30 %; a new one started',
      ),
    );
    await producer.close();
  }

  // 2. Redis (its own instance, AOF on) restarted mid-load.
  {
    log('2. Redis restarted mid-load; publishing during the outage must fail fast');
    const dir = await mkdtemp(`${tmpdir()}/lw-faults-redis-`);
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const redisArgs = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
    ];
    const startRedis = async () => {
      const server = spawn('redis-server', redisArgs, { stdio: 'ignore' });
      const exited = once(server, 'exit');
      for (let i = 0; ; i++) {
        const pong = await run('redis-cli', ['-p', String(port), 'ping']).then(
          (r) => r.stdout.trim(),
          () => '',
        );
        if (pong === 'PONG') break;
        if (i > 100) throw new Error('the fault-suite Redis did not start');
        await sleep(50);
      }
      return { server, exited };
    };
    let redisServer = await startRedis();
    const redisUrl = `redis://127.0.0.1:${port}`;
    await reset(redisUrl);
    const producer = await setup(env({ REDIS_URL: redisUrl }));
    const started = Date.now();
    const workers = [
      startWorker(env({ REDIS_URL: redisUrl })),
      startWorker(env({ REDIS_URL: redisUrl })),
    ];
    const ids = await publish(producer, N);
    while ((await succeededCount(ids)) < N * 0.3) await sleep(50);
    // SHUTDOWN writes the AOF and exits: a clean restart of a persistent Redis.
    await run('redis-cli', ['-p', String(port), 'shutdown']).catch(() => undefined);
    await redisServer.exited;
    const t0 = Date.now();
    let failFast = 'publishEvent did not fail';
    try {
      await producer.publishEvent('agent-f', 'agent.step.completed', step);
    } catch (error) {
      failFast = isWebhookError(error, 'QUEUE_UNAVAILABLE')
        ? `QUEUE_UNAVAILABLE after ${Date.now() - t0} ms`
        : String(error);
    }
    await sleep(2_000);
    redisServer = await startRedis();
    await waitForSucceeded(db, ids, 180_000);
    await stopAll(workers);
    await producer.close();
    outcomes.push(
      await check(
        'Redis restart',
        db,
        receiver,
        ids,
        started,
        `publish during the outage: ${failFast}`,
        failFast.startsWith('QUEUE_UNAVAILABLE'),
      ),
    );
    redisServer.server.kill('SIGTERM');
    await redisServer.exited;
    await rm(dir, { recursive: true, force: true });
  }

  // 3. Postgres unreachable for 10 s (a TCP proxy of our own is cut).
  {
    log('3. Postgres unreachable for 10 s mid-load');
    await reset();
    const sockets = new Set<Socket>();
    const target = new URL(base.databaseUrl);
    let proxy: Server = createServer();
    const listen = (port: number) =>
      new Promise<number>((resolve) => {
        proxy = createServer((client) => {
          const upstream = new Socket();
          upstream.connect(Number(target.port || 5432), target.hostname);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => undefined);
            s.on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        });
        proxy.listen(port, '127.0.0.1', () => {
          resolve((proxy.address() as { port: number }).port);
        });
      });
    const proxyPort = await listen(0);
    const proxied = new URL(databaseUrl);
    proxied.port = String(proxyPort);
    const producer = await setup(env());
    const started = Date.now();
    const workers = [
      startWorker(env({ DATABASE_URL: proxied.toString() })),
      startWorker(env({ DATABASE_URL: proxied.toString() })),
    ];
    const ids = await publish(producer, N);
    while ((await succeededCount(ids)) < N * 0.3) await sleep(50);
    // close() waits for open connections to end: cut them at the same time.
    const closed = new Promise<void>((resolve) => {
      proxy.close(() => {
        resolve();
      });
    });
    for (const s of sockets) s.destroy();
    await closed;
    await sleep(10_000);
    await listen(proxyPort);
    await waitForSucceeded(db, ids, 180_000);
    await stopAll(workers);
    const proxyClosed = new Promise<void>((resolve) => {
      proxy.close(() => {
        resolve();
      });
    });
    for (const s of sockets) s.destroy();
    await proxyClosed;
    await producer.close();
    outcomes.push(
      await check(
        'Postgres cut 10 s',
        db,
        receiver,
        ids,
        started,
        'workers reach Postgres through a proxy that was cut for 10 s',
      ),
    );
  }

  // 4. Receivers that are slow, hang, reset or answer garbage.
  {
    log('4. misbehaving receivers beside a healthy one');
    await reset();
    receiver.on('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end(), 3_000));
    receiver.on('/hang', () => undefined);
    receiver.on('/midbody', (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
    });
    receiver.on('/reset', (req) => req.socket.destroy());
    receiver.on('/garbage', (req) => {
      req.socket.end('HTTP/1.1 ???\r\nnot a header\r\n\r\n');
    });
    // Short breaker cooldown: the bad endpoints' deliveries get their two attempts within the scenario.
    const settingsEnv = env({ WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BREAKER_COOLDOWN_MS: '500' });
    const producer = await setup(settingsEnv);
    const bad = ['/slow', '/hang', '/midbody', '/reset', '/garbage'];
    for (const path of bad) {
      await producer.createEndpoint({
        url: `http://127.0.0.1:${receiver.port}${path}`,
        organizationId: 'org-f',
        agentId: `agent${path.replace('/', '-')}`,
        eventTypes: ['*'],
      });
    }
    const started = Date.now();
    const worker = startWorker(settingsEnv);
    const badIds: string[] = [];
    for (const path of bad)
      badIds.push(...(await publish(producer, 20, `agent${path.replace('/', '-')}`)));
    const ids = await publish(producer, Math.min(N, 2_000));
    await waitForSucceeded(db, ids, 180_000);
    const deadline = Date.now() + 120_000;
    let settledBad = 0;
    while (Date.now() < deadline) {
      settledBad = Number(
        (
          await sql<{
            n: string;
          }>`SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'pending' AND id = ANY(${badIds})`.execute(
            db,
          )
        ).rows[0]?.n ?? 0,
      );
      if (settledBad === badIds.length) break;
      await sleep(200);
    }
    const kinds = await sql<{ error_kind: string; n: string }>`
      SELECT coalesce(error_kind, 'none') AS error_kind, count(*) AS n FROM webhook_attempts WHERE delivery_id = ANY(${badIds}) GROUP BY 1 ORDER BY 1
    `.execute(db);
    const alive = worker.child.exitCode === null;
    await stopAll([worker]);
    await producer.close();
    outcomes.push(
      await check(
        'misbehaving receivers',
        db,
        receiver,
        ids,
        started,
        `worker alive: ${alive}; ${settledBad}/${badIds.length} bad deliveries settled; attempts by error: ${kinds.rows.map((r) => `${r.error_kind} ${r.n}`).join(', ')}`,
        alive && settledBad === badIds.length,
      ),
    );
  }

  // 5. Three workers on one queue: no delivery recorded as succeeded twice.
  {
    log(`5. three workers, ${N} deliveries`);
    await reset();
    const producer = await setup(env());
    const started = Date.now();
    const workers = [startWorker(env()), startWorker(env()), startWorker(env())];
    const ids = await publish(producer, N);
    await waitForSucceeded(db, ids, 180_000);
    await stopAll(workers);
    await producer.close();
    const outcome = await check(
      'three workers',
      db,
      receiver,
      ids,
      started,
      'no faults: duplicates must be zero',
    );
    outcomes.push({
      ...outcome,
      ok: outcome.ok && outcome.doubleSuccessRecords === 0 && outcome.duplicatesAtReceiver === 0,
    });
  }

  // 6. SIGTERM during load.
  {
    log('6. SIGTERM a worker mid-load');
    await reset();
    const producer = await setup(env());
    const started = Date.now();
    const workers = [startWorker(env()), startWorker(env())];
    const ids = await publish(producer, N);
    while ((await succeededCount(ids)) < N * 0.3) await sleep(50);
    const stopping = workers[0];
    stopping?.child.kill('SIGTERM');
    const t0 = Date.now();
    const code = await stopping?.exited;
    const stopMs = Date.now() - t0;
    await waitForSucceeded(db, ids, 180_000);
    await stopAll(workers);
    await producer.close();
    const outcome = await check(
      'SIGTERM mid-load',
      db,
      receiver,
      ids,
      started,
      `stopped worker exited ${String(code)} after ${stopMs} ms; a stalled job would show as a duplicate`,
    );
    outcomes.push({
      ...outcome,
      ok: outcome.ok && code === 0 && outcome.duplicatesAtReceiver === 0,
    });
  }

  await receiver.close();
  await db.destroy();

  console.log(
    '| scenario | published | reached receiver | lost | succeeded in Postgres | succeeded twice | duplicates at receiver | seconds | ok | notes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const o of outcomes) {
    console.log(
      `| ${o.scenario} | ${o.published} | ${o.reachedReceiver} | ${o.lost} | ${o.succeededInPostgres} | ${o.doubleSuccessRecords} | ${o.duplicatesAtReceiver} | ${o.seconds} | ${o.ok ? 'yes' : 'NO'} | ${o.notes} |`,
    );
  }
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
