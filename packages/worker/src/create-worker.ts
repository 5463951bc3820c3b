import {
  AddressGuard,
  createDb,
  createLogger,
  createPool,
  EndpointChangeBus,
  JobAuthenticator,
  SecretCipher,
  createRedis,
  loadSettings,
  requireEncryptionAtRest,
  type DeliveryJobData,
  type Settings,
  type WebhookError,
} from '@letta-webhooks/shared';
import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import {
  adminListenError,
  startAdminServer,
  type AdminServer,
} from './observability/admin-server.js';
import { createMetrics } from './observability/metrics.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { RedisMemoryGuard } from './redis-memory/redis-memory-guard.js';
import { scheduleRetention } from './retention-schedule.js';
import { SecretKeyCheck } from './secret-key-check.js';
import type { Logger } from 'pino';
import { DeliveryRecorder } from './recording/delivery-recorder.js';
import { EndpointCache } from './endpoint-cache.js';
import { WebhookSender } from './http/webhook-sender.js';
import { CircuitBreaker } from './isolation/circuit-breaker.js';
import { InFlightLimiter } from './isolation/in-flight-limiter.js';
import { createProcessor, type ProcessResult } from './process-delivery.js';
import { RetryPolicy } from './retry/retry-policy.js';
import { settlesWithin } from './settles-within.js';

// Time aborted deliveries get to record their attempt and requeue their job.
const ABORT_GRACE_MS = 2_000;
// Longest wait for each later shutdown step (relay, queues, pool).
const CLOSE_STEP_MS = 5_000;

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** Validated settings. Default: `loadSettings(process.env)`. */
  readonly settings?: Settings;
  /** Logger. Default: pino JSON on stdout at `settings.logLevel`. */
  readonly logger?: Logger;
}

/** A running delivery worker. */
export interface WebhookWorker {
  /** The BullMQ worker, for its events (`completed`, `failed`). */
  readonly worker: Worker<DeliveryJobData, ProcessResult>;
  /** The worker's Prometheus registry (also served on the admin port's `/metrics`). */
  readonly metrics: Registry;
  /**
   * The admin server's port once it listens; undefined when it is off.
   *
   * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_ADMIN_PORT`) when it cannot listen.
   */
  adminPort(): Promise<number | undefined>;
  /**
   * Resolves once the worker takes jobs: Redis answered and its eviction
   * policy passed the start-up check.
   *
   * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_ALLOW_EVICTING_REDIS`)
   * when Redis may evict keys; the worker then takes no job.
   */
  started(): Promise<void>;
  /**
   * Stops taking jobs, lets in-flight deliveries finish for up to
   * `shutdownTimeoutMs`, aborts the rest (they go back to the queue
   * without using up an attempt), then closes every connection.
   */
  close(): Promise<void>;
}

/**
 * Starts a worker with its own Redis connection, pg pool and HTTP agents.
 *
 * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_SECRET_ENCRYPTION_KEYS`) when no
 * encryption key is set and `WEBHOOK_ALLOW_PLAINTEXT_SECRETS` is not true.
 */
export function createWorker(options: WorkerOptions = {}): WebhookWorker {
  const settings = options.settings ?? loadSettings();
  requireEncryptionAtRest(settings);
  const logger = options.logger ?? createLogger('letta-webhooks-worker', settings.logLevel);
  const pool = createPool({
    connectionString: settings.databaseUrl,
    poolSize: settings.databasePoolSize,
    applicationName: 'letta-webhooks-worker',
  });
  const db = createDb({ pool });
  // One more connection, the recorder's own (see DeliveryRecorder).
  const recordingPool = createPool({
    connectionString: settings.databaseUrl,
    poolSize: 1,
    applicationName: 'letta-webhooks-worker',
  });
  const redis = createRedis(settings, 'worker');
  const guard = AddressGuard.fromSettings(settings);
  const sender = new WebhookSender({
    guard,
    timeoutMs: settings.requestTimeoutMs,
    connectTimeoutMs: settings.connectTimeoutMs,
    excerptBytes: settings.responseExcerptBytes,
  });
  const cipher = new SecretCipher(settings.secretEncryptionKeys);
  const endpoints = new EndpointCache(db, settings.endpointCacheTtlMs, cipher);
  const secretKeys = new SecretKeyCheck(db, cipher, logger);
  // At start-up; logged there when a key is missing. Postgres down: /readyz asks again.
  secretKeys.missing().catch(() => undefined);
  const changes = new EndpointChangeBus(redis, settings.queuePrefix);
  changes
    .subscribe((endpointId) => {
      endpoints.forget(endpointId);
    })
    .catch((error: unknown) => {
      logger.warn(
        { err: String(error) },
        'endpoint change feed unavailable; relying on the cache TTL',
      );
    });
  const queue = new Queue(settings.queueName, { connection: redis, prefix: settings.queuePrefix });
  queue.on('error', () => undefined);
  const metrics = createMetrics(queue);
  const retryPolicy = new RetryPolicy(settings.retry);
  const processor = createProcessor({
    endpoints,
    jobAuth: JobAuthenticator.fromSettings(settings),
    metrics,
    breaker: new CircuitBreaker(redis, { ...settings.breaker, prefix: settings.queuePrefix }),
    limiter: new InFlightLimiter(settings.endpointMaxInFlight),
    recorder: new DeliveryRecorder({
      db,
      pool,
      recordingPool,
      disableAfterFailingMs: settings.disableAfterFailingMs,
      observe: (size, ms) => {
        metrics.recorderBatch(size, ms);
      },
    }),
    onEndpointChanged: (endpointId) => changes.announce(endpointId),
    sender,
    guard,
    retry: retryPolicy,
    logger,
  });

  const worker = new Worker<DeliveryJobData, ProcessResult>(settings.queueName, processor, {
    connection: redis,
    prefix: settings.queuePrefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
    // Started by the Redis memory guard once the eviction policy has passed.
    autorun: false,
    settings: {
      // The processor decides each delay (it knows Retry-After) and hands it over on the error.
      backoffStrategy: retryPolicy.backoffStrategy,
    },
  });
  const memory = new RedisMemoryGuard({
    settings,
    redis,
    worker,
    registry: metrics.registry,
    logger,
  });
  worker.on('error', (error) => {
    memory.observe(error);
  });
  worker.on('failed', (job, error) => {
    if (job && job.attemptsMade >= retryPolicy.maxAttempts) {
      logger.warn({ jobId: job.id, reason: error.message }, 'delivery failed for good');
    }
  });

  const retention = scheduleRetention(settings, redis, db, logger);
  const outbox = new OutboxRelay(db, queue, redis, settings, logger);
  let closing: Promise<void> | undefined;
  const started = memory.startUp().then(() => {
    if (closing !== undefined) return;
    outbox.start();
    worker.run().catch((error: unknown) => {
      memory.observe(error);
    });
  });
  // Reported through started(); a refused worker simply takes no job.
  started.catch(() => undefined);
  let adminError: WebhookError | undefined;
  const adminAt = settings.admin;
  const admin: Promise<AdminServer | undefined> =
    adminAt === null
      ? Promise.resolve(undefined)
      : startAdminServer({
          ...adminAt,
          registry: metrics.registry,
          checks: {
            redis: async () => {
              await redis.ping();
            },
            postgres: async () => {
              await sql`SELECT 1`.execute(db);
            },
            worker: () =>
              worker.isRunning() ? Promise.resolve() : Promise.reject(new Error('not running')),
            redisMemory: memory.readiness,
            secretKeys: secretKeys.readiness,
          },
        }).then(
          (server) => {
            logger.info(
              { port: server.port },
              'admin server listening (/metrics, /healthz, /readyz)',
            );
            return server;
          },
          (error: unknown) => {
            logger.error({ err: String(error) }, 'admin server could not start');
            adminError = adminListenError(adminAt, error);
            return undefined;
          },
        );

  return {
    worker,
    metrics: metrics.registry,
    adminPort: () =>
      admin.then((server) => {
        if (adminError) throw adminError;
        return server?.port;
      }),
    started: () => started,
    close() {
      closing ??= (async () => {
        memory.close();
        await (await admin)?.close();
        const graceful = worker.close();
        if (!(await settlesWithin(graceful, settings.shutdownTimeoutMs))) {
          logger.warn('shutdown deadline reached; aborting in-flight deliveries');
          worker.cancelAllJobs('shutdown');
          if (!(await settlesWithin(graceful, ABORT_GRACE_MS)))
            await settlesWithin(worker.close(true), CLOSE_STEP_MS);
        }
        // Every remaining step is bounded: a connection left broken by an outage
        // must not keep a stopping worker alive.
        const step = async (name: string, done: Promise<unknown>) => {
          if (!(await settlesWithin(done, CLOSE_STEP_MS)))
            logger.warn({ step: name }, 'shutdown step timed out; moving on');
        };
        await step('outbox relay', outbox.stop());
        await step('retention', retention?.close() ?? Promise.resolve());
        sender.close();
        changes.close();
        await step('queue', queue.close());
        redis.disconnect();
        await step('recording connection', recordingPool.end());
        await step('postgres pool', db.destroy());
      })();
      return closing;
    },
  };
}
