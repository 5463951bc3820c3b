// What every scenario gets: its own Redis server (so Redis's CPU is all the
// benchmark's), a fresh Postgres database, the receiver, a producer with
// endpoints registered, helpers to start measured processes and meter their
// CPU, and the report.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createProducer,
  MAX_BATCH,
  type BatchEvent,
  type Producer,
} from '@letta-webhooks/producer';
import {
  EXAMPLE_EVENT_DATA,
  createDb,
  loadSettings,
  type Database,
  type Settings,
} from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { freshDatabase } from '../scripts/fresh-database.js';
import { benchFile, startChild, type Child } from './children.js';
import { startCpuMeter, type CpuMeter } from './cpu.js';
import { Report } from './report.js';

/** Command-line options of `pnpm bench`. */
export interface BenchOptions {
  /** A few seconds per scenario (CI smoke test; figures not meaningful). */
  readonly quick: boolean;
  /** Write CPU profiles of the delivery worker processes to bench/profiles/. */
  readonly profile: boolean;
}

/** Work per scenario. */
export interface Sizes {
  readonly ceiling: number;
  readonly publish: number;
  readonly e2e: number;
  readonly latencySeconds: number;
  readonly isolation: number;
  readonly memory: number;
}

/** Where deliveries go: one endpoint, or fan-out to many (each a receiver port of its own). */
export type Target = 'one' | 'fanOut';

/** Endpoints registered for a target. */
export interface TargetEndpoints {
  readonly agentId: string;
  readonly urls: readonly string[];
}

/** The kinds of measured process (see child-process.mjs). */
export type ChildMode = 'deliver' | 'noop' | 'bare' | 'axios';

const DATABASE = 'letta_webhooks_bench';
const PREFIX = '{lw-bench}';
/** Endpoints of the fan-out target. */
export const FAN_OUT = 100;
/** Worker concurrency of the throughput runs (the issue's targets are stated at c=100). */
export const CONCURRENCY = 100;
/** Concurrent publishEvent callers (and BullMQ `add` callers of the ceiling it is compared with; issue 12 states its target at 50). */
export const PUBLISH_CALLERS = 50;

/** Everything a scenario needs. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly sizes: Sizes;
  /** The environment measured processes start with: the bench's database, Redis and keys. */
  readonly env: Readonly<Record<string, string>>;
  /** Driver-side settings (the bench's database and Redis). */
  readonly settings: Settings;
  /** Per-endpoint in-flight cap of the workers (their setting). */
  readonly inFlightCap: number;
  readonly redis: Redis;
  readonly db: Kysely<Database>;
  readonly queue: Queue;
  readonly producer: Producer;
  readonly receiver: Child;
  readonly endpoints: Readonly<Record<Target | 'hang', TargetEndpoints>>;
  /** A real envelope's bytes, for the ceilings' requests. */
  readonly body: string;
  readonly report: Report;
  log(message: string): void;
  /** Empties the queue, the delivery tables and the receiver's counters. */
  reset(options?: { readonly latency?: boolean }): Promise<void>;
  /** Publishes `deliveries` deliveries to `target` in batches (events × endpoints). */
  publish(deliveries: number, target: Target | 'hang'): Promise<void>;
  /** Starts `count` measured processes of `mode`. */
  start(mode: ChildMode, count: number, env?: Readonly<Record<string, string>>): Promise<Child[]>;
  /**
   * Starts metering CPU of `children` (reported as `group`, default `worker`)
   * and of the services (Redis, receiver, Postgres, driver).
   */
  meter(children: readonly Child[], group?: string): Promise<CpuMeter>;
  /** Resolves once `children` together completed `count` jobs (asked over IPC). */
  completed(children: readonly Child[], count: number): Promise<void>;
  close(): Promise<void>;
}

// BENCH_EXTRA=NAME=value,NAME=value overrides worker settings for experiments.
function benchExtra(): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const pair of (process.env.BENCH_EXTRA ?? '').split(',')) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined) extra[name] = value;
  }
  return extra;
}

// The delivery workers run with the Node flags the service image sets (NODE_OPTIONS in the
// Dockerfile), so the bench measures the worker as shipped; BENCH_NODE_FLAGS='--flag --flag'
// replaces them for experiments (BENCH_NODE_FLAGS='' for Node's defaults).
const shippedNodeFlags =
  /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(benchFile('../Dockerfile'), 'utf8'))?.[1] ?? '';
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? shippedNodeFlags).split(' ').filter(Boolean);

async function startRedis(): Promise<{ server: ChildProcess; url: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && server.exitCode === null; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      const pong = await probe.connect().then(
        () => probe.ping(),
        () => '',
      );
      probe.disconnect();
      if (pong === 'PONG') return { server, url };
      await sleep(50);
    }
    server.kill();
    if (attempt >= 3) throw new Error('the benchmark Redis did not start');
  }
}

/** Opens the context: services, database, receiver, endpoints. */
export async function openContext(options: BenchOptions): Promise<BenchContext> {
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const sizes: Sizes = options.quick
    ? {
        ceiling: 1_000,
        publish: 1_000,
        e2e: 1_000,
        latencySeconds: 2,
        isolation: 300,
        memory: 2_000,
      }
    : {
        ceiling: 20_000,
        publish: 20_000,
        e2e: 20_000,
        latencySeconds: 15,
        isolation: 4_000,
        memory: 100_000,
      };
  const base = loadSettings();
  const databaseUrl = await freshDatabase(base.databaseUrl, DATABASE);
  const redisServer = await startRedis();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisServer.url,
    WEBHOOK_QUEUE_PREFIX: PREFIX,
    WEBHOOK_QUEUE_NAME: base.queueName,
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_SECRET_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'silent',
    WEBHOOK_ADMIN_PORT: '0',
    // Setting-up publishes of 2,000 deliveries must not time out on a busy machine.
    WEBHOOK_PUBLISH_TIMEOUT_MS: '30000',
    ...benchExtra(),
  };
  const settings = loadSettings({ ...process.env, ...env });
  const redis = new Redis(settings.redisUrl);
  const db = createDb({ connectionString: databaseUrl, poolSize: 2 });
  await sql`CREATE TABLE bench_bare_attempts (id bigserial PRIMARY KEY, delivery_id text NOT NULL,
    attempt_number int NOT NULL, status_code int, started_at timestamptz NOT NULL,
    duration_ms int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const queue = new Queue(settings.queueName, { connection: redis, prefix: PREFIX });
  const receiver = await startChild('receiver-process.ts', { BENCH_PORTS: String(FAN_OUT) });
  const ports = receiver.ready.ports as number[];
  const producer = createProducer({ settings, organizationId: 'org-bench' });
  const url = (port: number | undefined, path: string) => `http://127.0.0.1:${String(port)}${path}`;
  const register = async (agentId: string, urls: readonly string[]) => {
    for (const endpointUrl of urls)
      await producer.createEndpoint({
        url: endpointUrl,
        organizationId: 'org-bench',
        agentId,
        eventTypes: ['*'],
      });
    return { agentId, urls };
  };
  const endpoints = {
    one: await register('agent-ok', [url(ports[0], '/ok')]),
    fanOut: await register(
      'agent-fan',
      ports.map((port) => url(port, '/ok')),
    ),
    hang: await register('agent-hang', [url(ports[0], '/hang')]),
  };
  const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
  const event = (agentId: string): BatchEvent => ({
    agentId,
    eventType: 'agent.step.completed',
    data: step,
  });
  const body = JSON.stringify({
    event_id: 'evt_bench',
    event_type: 'agent.step.completed',
    timestamp: new Date().toISOString(),
    agent_id: 'agent-ok',
    organization_id: 'org-bench',
    data: step,
  });
  // Reads pg_stat_activity from the server's default database, so it is no backend of the bench's.
  const probe = new pg.Pool({ connectionString: base.databaseUrl, max: 1 });
  const children = new Set<Child>();
  let profiles = 0;

  return {
    options,
    sizes,
    env,
    settings,
    inFlightCap: settings.endpointMaxInFlight,
    redis,
    db,
    queue,
    producer,
    receiver,
    endpoints,
    body,
    report: new Report(),
    log,
    async reset(resetOptions = {}) {
      await queue.obliterate({ force: true });
      // TRUNCATE, not DELETE: a DELETE of 100,000 events runs one foreign-key
      // check per row, and a backend that planned that check while the table
      // was empty scans every delivery of the organization for each (minutes).
      await sql`TRUNCATE webhook_attempts, webhook_deliveries, webhook_events, bench_bare_attempts`.execute(
        db,
      );
      await receiver.ask({ type: 'reset', latency: resetOptions.latency === true });
    },
    async publish(deliveries, target) {
      const { agentId, urls } = endpoints[target];
      const events = Math.ceil(deliveries / urls.length);
      // About 2,000 jobs per call: a fan-out batch of 500 events would be one
      // 50,000-job addBulk, past the producer's deadline for a Redis answer.
      const perCall = Math.min(MAX_BATCH, Math.max(1, Math.floor(2_000 / urls.length)));
      for (let i = 0; i < events; i += perCall) {
        await producer.publishEvents(
          Array.from({ length: Math.min(perCall, events - i) }, () => event(agentId)),
        );
      }
    },
    async start(mode, count, extra = {}) {
      const started = await Promise.all(
        Array.from({ length: count }, () =>
          startChild(
            'child-process.mjs',
            { ...env, ...extra, BENCH_MODE: mode },
            mode === 'deliver'
              ? [
                  ...nodeFlags,
                  ...(options.profile
                    ? [
                        '--cpu-prof',
                        `--cpu-prof-dir=${new URL('profiles', import.meta.url).pathname}`,
                        `--cpu-prof-name=worker-${++profiles}.cpuprofile`,
                      ]
                    : []),
                ]
              : [],
          ),
        ),
      );
      for (const child of started) {
        children.add(child);
        child.process.once('exit', () => children.delete(child));
      }
      return started;
    },
    meter(measured, group = 'worker') {
      const groups = {
        [group]: measured.map((child) => child.pid),
        receiver: [receiver.pid],
        redis: [redisServer.server.pid ?? 0],
      };
      return startCpuMeter(() => groups, {
        client: probe,
        database: DATABASE,
        groupOf: (name) =>
          name === 'letta-webhooks-worker' || name === 'bench-bare' ? 'worker' : 'driver',
      });
    },
    async completed(measured, count) {
      for (;;) {
        const counts = await Promise.all(
          measured.map((child) => child.ask<{ count: number }>({ type: 'completed' })),
        );
        if (counts.reduce((sum, c) => sum + c.count, 0) >= count) return;
        await sleep(20);
      }
    },
    async close() {
      await Promise.all([...children].map((child) => child.stop()));
      await producer.close();
      await queue.close();
      redis.disconnect();
      await db.destroy();
      await probe.end();
      await receiver.stop();
      const exited = once(redisServer.server, 'exit');
      redisServer.server.kill('SIGTERM');
      await exited;
    },
  };
}
