import {
  AddressGuard,
  EndpointChangeBus,
  isWebhookError,
  JobAuthenticator,
  SecretCipher,
  WebhookError,
  createDb,
  createRedis,
  deliveryJobOptions,
  loadSettings,
  requireEncryptionAtRest,
  urlRefusal,
  type DeliveryJobData,
  type EventData,
  type EventType,
  type Settings,
} from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { CallbackRegistry } from './callbacks.js';
import type { Page } from './cursor.js';
import {
  DeliveryLog,
  type Delivery,
  type DeliveryDetail,
  type ListDeliveriesInput,
} from './delivery-log.js';
import { EndpointResolver } from './endpoint-resolver.js';
import { EndpointStore } from './endpoint-store.js';
import type {
  CreateEndpointInput,
  Endpoint,
  EndpointHealth,
  EndpointWithSecret,
  ListEndpointsInput,
  RotateSecretInput,
  UpdateEndpointInput,
} from './endpoint.js';
import { DurablePublisher } from './publish/durable-publisher.js';
import { JobEnqueuer } from './publish/job-enqueuer.js';
import { writeOutbox } from './publish/write-outbox.js';
import {
  deliveryJobs,
  prepareEvent,
  type PublishOptions,
  type PublishResult,
} from './publish-event.js';
import { RedisPolicyGate } from './redis-policy-gate.js';
import { Replayer, type QueuedJob, type RecoverOptions, type ReplayScope } from './replay.js';
import { resealSecrets } from './reseal-secrets.js';
import { TestEventSender, type TestEventInput, type TestEventResult } from './send-test-event.js';

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  /** Validated settings. Default: `loadSettings(process.env)`. */
  readonly settings?: Settings;
  /** Organization used when `publishEvent` is given none. Default: none (then it is required per call). */
  readonly organizationId?: string;
}

/** The library agent services import to publish events and manage endpoints and deliveries. */
export interface Producer {
  /**
   * Publishes one event to every enabled endpoint subscribed to it (and to
   * `callbackUrl`, if given). By default resolves once the event and its
   * deliveries are committed in Postgres (then enqueued; if Redis is down a
   * worker's relay enqueues them later); with `WEBHOOK_PUBLISH_MODE=fast`,
   * once the jobs are in Redis. An event no endpoint wants is not stored.
   *
   * @throws {WebhookError} for invalid input (naming the field); `CONFLICT`
   * when `eventId` was already published with a different input;
   * `DATABASE_UNAVAILABLE` when Postgres is down (fast mode: only if the
   * endpoints are not cached); `QUEUE_UNAVAILABLE` when Redis is down (fast
   * mode only); `INVALID_SETTINGS` when Redis's maxmemory-policy evicts keys.
   */
  publishEvent<T extends EventType>(
    agentId: string,
    eventType: T,
    data: EventData<T>,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /**
   * Publishes up to 1,000 events, group-committed and enqueued together.
   * Every event is validated first; one bad event fails the batch (its field
   * named as `events.N.…`) and nothing is published. An event id already
   * used with a different input fails the batch with `CONFLICT`
   * (`events.N.eventId`) after the other events are published.
   */
  publishEvents(events: readonly BatchEvent[]): Promise<PublishResult[]>;
  /** Registers an endpoint. The result carries its secret, shown this once. */
  createEndpoint(input: CreateEndpointInput): Promise<EndpointWithSecret>;
  /** One endpoint, or undefined. */
  getEndpoint(id: string): Promise<Endpoint | undefined>;
  /** Endpoints matching the filters, oldest first, a page at a time. */
  listEndpoints(filters?: ListEndpointsInput): Promise<Page<Endpoint>>;
  /** Changes URL, event types, description, metadata or enabled. */
  updateEndpoint(id: string, patch: UpdateEndpointInput): Promise<Endpoint>;
  /** Disables an endpoint with a reason; its pending deliveries are cancelled. */
  disableEndpoint(id: string, reason?: string): Promise<Endpoint>;
  /** Enables an endpoint again and clears its failure record. */
  enableEndpoint(id: string): Promise<Endpoint>;
  /** Deletes an endpoint; its pending deliveries are cancelled and their jobs removed. */
  deleteEndpoint(id: string): Promise<void>;
  /** Replaces the secret; the old one keeps signing during the overlap (default 24 h). */
  rotateEndpointSecret(
    id: string,
    options?: RotateSecretInput,
  ): Promise<{ secret: string; previousValidUntil: Date | null }>;
  /** An endpoint's current secret. */
  getEndpointSecret(id: string): Promise<string>;
  /** Last success, failures, disabled reason. */
  getEndpointHealth(id: string): Promise<EndpointHealth>;
  /** Deliveries matching the filters, newest first, a page at a time. */
  listDeliveries(filters?: ListDeliveriesInput): Promise<Page<Delivery>>;
  /** One delivery with its body and every attempt, or undefined. */
  getDelivery(id: string): Promise<DeliveryDetail | undefined>;
  /** Sends one delivery again (same event id and body, fresh signature, trigger `manual`). */
  resendDelivery(deliveryId: string): Promise<{ deliveryId: string }>;
  /** Sends again an endpoint's failed deliveries created since a time; returns how many. */
  recoverEndpoint(endpointId: string, options: RecoverOptions): Promise<{ enqueued: number }>;
  /**
   * Delivers a stored event to the endpoints that match it now. Event ids are
   * unique per organization: `scope.organizationId` (default: the producer's)
   * picks one; an event outside `scope` is reported like a missing one.
   */
  replayEvent(eventId: string, scope?: ReplayScope): Promise<PublishResult>;
  /**
   * Sends a test event (the catalogue's example payload) to one endpoint as a
   * recorded delivery, trigger `test`, and waits up to `waitMs` for its first attempt.
   */
  sendTestEvent(endpointId: string, options?: TestEventInput): Promise<TestEventResult>;
  /** The secret an organization's callback deliveries are signed with. */
  getCallbackSecret(organizationId: string): Promise<string>;
  /**
   * Re-encrypts every stored secret not sealed with the current key (after
   * adding a key, or switching encryption on); returns how many it rewrote.
   */
  resealSecrets(): Promise<{ resealed: number }>;
  /**
   * For operators without Prometheus: queue depths now, and the outcomes of
   * the attempts made in the last `windowSeconds` (default 60).
   */
  getStats(windowSeconds?: number): Promise<QueueStats>;
  /** Closes the Redis connections and the pg pool. */
  close(): Promise<void>;
}

/** Queue depths and recent attempt outcomes (`getStats`). */
export interface QueueStats {
  readonly queue: Readonly<Record<string, number>>;
  readonly windowSeconds: number;
  readonly attempts: readonly {
    readonly outcome: string;
    readonly statusClass: string;
    readonly count: number;
  }[];
}

/** Most events one `publishEvents` call takes. */
export const MAX_BATCH = 1_000;

/** One event of a `publishEvents` batch. */
export interface BatchEvent<T extends EventType = EventType> {
  readonly agentId: string;
  readonly eventType: T;
  readonly data: EventData<T>;
  readonly options?: PublishOptions;
}

function resultOf(prepared: {
  event: { eventId: string };
  jobs: readonly { data: DeliveryJobData }[];
}): PublishResult {
  return {
    eventId: prepared.event.eventId,
    deliveries: prepared.jobs.map((job) => ({
      deliveryId: job.data.deliveryId,
      endpointId: job.data.endpointId,
    })),
  };
}

function withFieldPrefix(error: WebhookError, prefix: string): WebhookError {
  const field = error.field === undefined ? prefix : `${prefix}.${error.field}`;
  return new WebhookError({
    code: error.code,
    field,
    message: `${prefix}: ${error.message}`,
    issues: error.issues.map((issue) => ({ ...issue, field: `${prefix}.${issue.field}` })),
    cause: error,
  });
}

/**
 * Creates a producer with its own Redis connections and pg pool; `close()` releases them.
 *
 * @throws {WebhookError} `INVALID_SETTINGS` (field `WEBHOOK_SECRET_ENCRYPTION_KEYS`) when no
 * encryption key is set and `WEBHOOK_ALLOW_PLAINTEXT_SECRETS` is not true.
 */
export function createProducer(options: ProducerOptions = {}): Producer {
  const settings = options.settings ?? loadSettings();
  requireEncryptionAtRest(settings);
  const db = createDb({
    connectionString: settings.databaseUrl,
    poolSize: settings.databasePoolSize,
    applicationName: 'letta-webhooks-producer',
  });
  const redis = createRedis(settings, 'producer');
  const queue = new Queue<DeliveryJobData>(settings.queueName, {
    connection: redis,
    prefix: settings.queuePrefix,
    defaultJobOptions: deliveryJobOptions(settings),
  });
  queue.on('error', () => undefined);
  const evictionGate = new RedisPolicyGate(redis, settings.redisMemory.allowEvicting);
  const enqueuer = new JobEnqueuer(
    queue,
    redis,
    settings.publishTimeoutMs,
    JobAuthenticator.fromSettings(settings),
  );
  const enqueue = (jobs: readonly QueuedJob[]) => enqueuer.enqueue(jobs);
  const durable = new DurablePublisher(db, enqueuer, { timeoutMs: settings.publishTimeoutMs });

  const guard = AddressGuard.fromSettings(settings);
  const resolver = new EndpointResolver(db, settings.endpointCacheTtlMs);
  const changes = new EndpointChangeBus(redis, settings.queuePrefix);
  // Another process's change reaches this cache at once; the TTL covers a missed message.
  const subscribed = changes.subscribe(() => {
    resolver.invalidate();
  });
  subscribed.catch(() => undefined);
  const cipher = new SecretCipher(settings.secretEncryptionKeys);
  const endpoints = new EndpointStore(db, guard, cipher, {
    changed: async (endpointId) => {
      resolver.invalidate();
      await changes.announce(endpointId);
    },
    removeJobs: async (deliveryIds) => {
      // An active job cannot be removed; its worker finds the delivery cancelled.
      await Promise.all(deliveryIds.map((id) => queue.remove(id).catch(() => 0)));
    },
  });
  const log = new DeliveryLog(db);
  const replayer = new Replayer(db, enqueue, resolver);
  const callbacks = new CallbackRegistry(db, cipher);
  const testEvents = new TestEventSender(endpoints, log, enqueue, settings.maxPayloadBytes);
  async function prepare(
    agentId: unknown,
    eventType: unknown,
    data: unknown,
    publishOptions: PublishOptions,
  ) {
    const event = prepareEvent(
      agentId,
      eventType,
      data,
      { ...defaults, ...publishOptions },
      settings.maxPayloadBytes,
    );
    if (event.callbackUrl !== undefined) {
      const refusal = urlRefusal(event.callbackUrl, guard);
      if (refusal !== undefined) {
        throw new WebhookError({
          code: 'INVALID_URL',
          field: 'callbackUrl',
          message: `callbackUrl: ${refusal}`,
        });
      }
    }
    let endpointIds: string[];
    try {
      endpointIds = (
        await resolver.resolve(event.organizationId, event.agentId, event.eventType)
      ).map((t) => t.id);
      if (event.callbackUrl !== undefined) {
        endpointIds.push(await callbacks.endpointFor(event.organizationId, event.callbackUrl));
      }
    } catch (error) {
      throw new WebhookError({
        code: 'DATABASE_UNAVAILABLE',
        message: 'could not look up endpoints',
        cause: error,
      });
    }
    return {
      event,
      jobs: deliveryJobs(event, endpointIds),
      transaction: publishOptions.transaction,
    };
  }

  // Transactional publishes go to the outbox in the caller's transaction; the rest
  // through the durable path (default) or straight to Redis (fast mode).
  async function dispatch(
    prepared: readonly Awaited<ReturnType<typeof prepare>>[],
  ): Promise<PublishResult[]> {
    const results: (PublishResult | WebhookError | undefined)[] = [];
    const direct: number[] = [];
    for (const [index, item] of prepared.entries()) {
      if (item.transaction !== undefined)
        results[index] = await writeOutbox(item.transaction, item);
      else if (item.jobs.length === 0) results[index] = resultOf(item);
      else direct.push(index);
    }
    const items = direct.map((index) => prepared[index] as Awaited<ReturnType<typeof prepare>>);
    if (settings.publishMode === 'fast') {
      await enqueuer.submit(items.flatMap((item) => item.jobs));
      for (const [n, index] of direct.entries())
        results[index] = resultOf(items[n] as (typeof items)[number]);
    } else if (items.length > 0) {
      const published = await durable.publish(items);
      for (const [n, index] of direct.entries()) results[index] = published[n];
    }
    return results.map((result, index) => {
      if (result instanceof WebhookError) {
        throw prepared.length === 1 ? result : withFieldPrefix(result, `events.${index}`);
      }
      if (result === undefined) throw new Error('publish lost a result');
      return result;
    });
  }

  const defaults: PublishOptions =
    options.organizationId === undefined ? {} : { organizationId: options.organizationId };
  let closed = false;

  return {
    async publishEvent(agentId, eventType, data, publishOptions = {}) {
      if (closed) throw new Error('producer is closed');
      await evictionGate.verify();
      const prepared = await prepare(agentId, eventType, data, publishOptions);
      const [result] = await dispatch([prepared]);
      if (result === undefined) throw new Error('publish lost a result');
      return result;
    },
    async publishEvents(events) {
      if (closed) throw new Error('producer is closed');
      await evictionGate.verify();
      const given: unknown = events;
      if (!Array.isArray(given) || given.length > MAX_BATCH) {
        throw new WebhookError({
          code: 'INVALID_INPUT',
          field: 'events',
          message: `events: must be an array of at most ${MAX_BATCH} events`,
        });
      }
      // Validate everything before enqueuing anything: a bad event fails the whole batch.
      const prepared = [];
      for (const [index, event] of events.entries()) {
        try {
          prepared.push(
            await prepare(event.agentId, event.eventType, event.data, event.options ?? {}),
          );
        } catch (error) {
          throw isWebhookError(error) ? withFieldPrefix(error, `events.${index}`) : error;
        }
      }
      return dispatch(prepared);
    },
    createEndpoint: (input) => endpoints.create(input),
    getEndpoint: (id) => endpoints.get(id),
    listEndpoints: (filters) => endpoints.list(filters),
    updateEndpoint: (id, patch) => endpoints.update(id, patch),
    disableEndpoint: (id, reason) => endpoints.disable(id, reason),
    enableEndpoint: (id) => endpoints.enable(id),
    deleteEndpoint: (id) => endpoints.delete(id),
    rotateEndpointSecret: (id, rotation) => endpoints.rotateSecret(id, rotation),
    getEndpointSecret: (id) => endpoints.secret(id),
    getEndpointHealth: (id) => endpoints.health(id),
    listDeliveries: (filters) => log.list(filters),
    getDelivery: (id) => log.get(id),
    resendDelivery: (id) => replayer.resend(id),
    recoverEndpoint: (id, recover) => replayer.recover(id, recover),
    replayEvent: (eventId, scope) => {
      const organizationId = scope?.organizationId ?? options.organizationId;
      return replayer.replayEvent(eventId, {
        ...scope,
        ...(organizationId === undefined ? {} : { organizationId }),
      });
    },
    sendTestEvent: (endpointId, test) => testEvents.send(endpointId, test),
    getCallbackSecret: (organizationId) => callbacks.secret(organizationId),
    async getStats(windowSeconds = 60) {
      const [queueCounts, attempts] = await Promise.all([
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
        sql<{ outcome: string; status_class: string; n: string }>`
          SELECT outcome, coalesce((status_code / 100)::text || 'xx', 'none') AS status_class, count(*) AS n
          FROM webhook_attempts WHERE created_at > now() - ${windowSeconds} * interval '1 second'
          GROUP BY 1, 2 ORDER BY 1, 2
        `.execute(db),
      ]);
      return {
        queue: queueCounts,
        windowSeconds,
        attempts: attempts.rows.map((row) => ({
          outcome: row.outcome,
          statusClass: row.status_class,
          count: Number(row.n),
        })),
      };
    },
    async resealSecrets() {
      const resealed = await resealSecrets(db, cipher);
      if (resealed > 0) await changes.announce('*');
      return { resealed };
    },
    async close() {
      if (closed) return;
      closed = true;
      await subscribed.catch(() => undefined);
      changes.close();
      await durable.drain();
      await queue.close();
      redis.disconnect();
      await db.destroy();
    },
  };
}
