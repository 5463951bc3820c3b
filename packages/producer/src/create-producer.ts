import {
  AddressGuard,
  EndpointChangeBus,
  JobAuthenticator,
  SecretCipher,
  createDb,
  createPool,
  createRedis,
  deliveryJobOptions,
  loadSettings,
  requireEncryptionAtRest,
  type DeliveryJobData,
  type Settings,
} from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { CallbackRegistry } from './callback-registry.js';
import { DeliveryLog } from './delivery-log.js';
import { EndpointResolver } from './endpoint-resolver.js';
import { EndpointStore } from './endpoint-store.js';
import type { Producer } from './producer.js';
import { DurablePublisher } from './publish/durable-publisher.js';
import { EventPublisher } from './publish/event-publisher.js';
import { JobEnqueuer } from './publish/job-enqueuer.js';
import type { PublishOptions } from './publish-event.js';
import { readQueueStats } from './queue-stats.js';
import { RedisPolicyGate } from './redis-policy-gate.js';
import { Replayer, type QueuedJob } from './replayer.js';
import { resealSecrets } from './reseal-secrets.js';
import { TestEventSender } from './send-test-event.js';

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  /** Validated settings. Default: `loadSettings(process.env)`. */
  readonly settings?: Settings;
  /** Organization used when `publishEvent` is given none. Default: none (then it is required per call). */
  readonly organizationId?: string;
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
  const pool = createPool({
    connectionString: settings.databaseUrl,
    poolSize: settings.databasePoolSize,
    applicationName: 'letta-webhooks-producer',
  });
  const db = createDb({ pool });
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
  const durable = new DurablePublisher({ executor: db, pool }, enqueuer, {
    timeoutMs: settings.publishTimeoutMs,
  });

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
  const replayer = new Replayer(db, enqueue, resolver, endpoints);
  const callbacks = new CallbackRegistry(db, cipher);
  const testEvents = new TestEventSender(endpoints, log, enqueue, settings.maxPayloadBytes);
  const defaults: PublishOptions =
    options.organizationId === undefined ? {} : { organizationId: options.organizationId };
  const publisher = new EventPublisher({
    settings,
    defaults,
    guard,
    resolver,
    callbacks,
    evictionGate,
    enqueuer,
    durable,
  });
  let closed = false;

  return {
    async publishEvent(agentId, eventType, data, publishOptions = {}) {
      if (closed) throw new Error('producer is closed');
      return publisher.publishOne(agentId, eventType, data, publishOptions);
    },
    async publishEvents(events) {
      if (closed) throw new Error('producer is closed');
      return publisher.publishMany(events);
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
    getStats: (windowSeconds = 60) => readQueueStats(queue, db, windowSeconds),
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
