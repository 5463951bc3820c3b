// One scenario's world: its own redis-server on a free port, a clean delivery
// log, endpoints on the verifying receiver, a producer, and worker processes.
import { setTimeout as sleep } from 'node:timers/promises';
import { createProducer, type Producer } from '@letta-webhooks/producer';
import { loadSettings, type Database } from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { startPrivateRedis, type PrivateRedis } from '../test/support/private-redis.js';
import {
  checkContract,
  contractHolds,
  type ContractAllowance,
  type ContractResult,
} from './support/contract.js';
import type { PublishRecord } from './support/publisher.js';
import type { Behaviour, VerifyingReceiver } from './support/verifying-receiver.js';
import { startWorker, stopWorkers, type WorkerProcess } from './support/workers.js';

/** What a scenario asks of its stage. */
export interface StageOptions {
  /** Extra `redis-server` arguments (e.g. `--appendonly yes`, `--maxmemory-policy …`). */
  readonly redisArgs?: readonly string[];
  /** Environment of the producer and workers, over the suite's fast timings. */
  readonly env?: Readonly<Record<string, string>>;
  /** Use production timings: no timing overrides at all. */
  readonly productionTimings?: boolean;
}

/** A scenario's resources; `close()` stops them all. */
export interface Stage {
  readonly redis: PrivateRedis;
  readonly producer: Producer;
  readonly queue: Queue;
  /** Environment for a worker process (or a producer's settings), with `extra` over it. */
  env(extra?: Readonly<Record<string, string>>): Record<string, string>;
  /** Registers an endpoint for `agentId` at `path` on the receiver, answering as `behaviour` says. */
  endpoint(path: string, agentId: string, behaviour?: Behaviour): Promise<string>;
  startWorker(extra?: Readonly<Record<string, string>>): WorkerProcess;
  readonly workers: WorkerProcess[];
  /** Deliveries among `ids` that are `succeeded` in Postgres. */
  succeeded(ids: readonly string[]): Promise<number>;
  /** Waits until none of `ids` is pending in Postgres, or `timeoutMs` passes. */
  settle(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** Jobs BullMQ holds as active now (in flight at the workers). */
  activeJobs(): Promise<number>;
  /** Checks the contract for `records`; `ok` says whether it holds under `allow`. */
  check(
    records: readonly PublishRecord[],
    allow: ContractAllowance,
  ): Promise<ContractResult & { readonly ok: boolean }>;
  close(): Promise<void>;
}

/** The suite's fast timings, so that every fault fits in seconds. */
export const FAST_TIMINGS: Readonly<Record<string, string>> = {
  WEBHOOK_LOCK_DURATION_MS: '5000',
  WEBHOOK_STALLED_INTERVAL_MS: '2000',
  WEBHOOK_BACKOFF_BASE_MS: '100',
  WEBHOOK_BACKOFF_MAX_MS: '2000',
  WEBHOOK_REQUEST_TIMEOUT_MS: '2000',
  WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
  WEBHOOK_SHUTDOWN_TIMEOUT_MS: '5000',
  WEBHOOK_ENDPOINT_CACHE_TTL_MS: '1000',
  WEBHOOK_RECONCILE_AFTER_MS: '3000',
  WEBHOOK_RECONCILE_INTERVAL_MS: '1000',
};

/** Opens a stage: a fresh redis-server, empty tables, a producer. */
export async function openStage(
  base: {
    readonly db: Kysely<Database>;
    readonly receiver: VerifyingReceiver;
    readonly env: Readonly<Record<string, string>>;
  },
  options: StageOptions = {},
): Promise<Stage> {
  const redis = await startPrivateRedis(options.redisArgs ?? []);
  // Every table of the delivery log, whatever migrations added: a clean slate per scenario.
  const { rows: tables } = await sql<{ name: string }>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'webhook\_%'
  `.execute(base.db);
  await sql`TRUNCATE ${sql.join(tables.map((t) => sql.table(t.name)))} CASCADE`.execute(base.db);
  base.receiver.reset();
  const env = (extra: Readonly<Record<string, string>> = {}) => ({
    ...base.env,
    ...(options.productionTimings === true ? {} : FAST_TIMINGS),
    ...options.env,
    REDIS_URL: redis.url,
    ...extra,
  });
  const settings = loadSettings(env());
  const producer = createProducer({ settings, organizationId: 'org-f' });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const queue = new Queue(settings.queueName, { connection, prefix: settings.queuePrefix });
  queue.on('error', () => undefined);
  const workers: WorkerProcess[] = [];
  const succeeded = async (ids: readonly string[]) =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND id = ANY(${ids})
        `.execute(base.db)
      ).rows[0]?.n ?? 0,
    );
  return {
    redis,
    producer,
    queue,
    workers,
    env,
    async endpoint(path, agentId, behaviour) {
      const created = await producer.createEndpoint({
        url: `http://127.0.0.1:${base.receiver.port}${path}`,
        organizationId: 'org-f',
        agentId,
        eventTypes: ['*'],
      });
      base.receiver.route(path, created.secret, behaviour);
      return created.id;
    },
    startWorker(extra = {}) {
      const worker = startWorker(env(extra));
      workers.push(worker);
      return worker;
    },
    succeeded,
    async settle(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending' AND id = ANY(${ids})
        `.execute(base.db);
        const found = await sql<{ n: string }>`
          SELECT count(*) AS n FROM webhook_deliveries WHERE id = ANY(${ids})
        `.execute(base.db);
        if (Number(rows[0]?.n ?? 0) === 0 && Number(found.rows[0]?.n ?? 0) === ids.length) return;
        await sleep(200);
      }
    },
    activeJobs: () => queue.getActiveCount(),
    async check(records, allow) {
      // In-flight work may still be finishing its bookkeeping: let BullMQ settle first.
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed');
        if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) break;
        await sleep(200);
      }
      const result = await checkContract(base.db, base.receiver, queue, records, allow);
      return { ...result, ok: contractHolds(result, allow) };
    },
    async close() {
      await stopWorkers(workers);
      await producer.close();
      await queue.close();
      connection.disconnect();
      await redis.stop();
    },
  };
}
