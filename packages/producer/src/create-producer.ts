import {
  AddressGuard,
  WebhookError,
  createDb,
  createRedis,
  deliveryJobOptions,
  loadSettings,
  type DeliveryJobData,
  type EventData,
  type EventType,
  type Settings,
} from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { EndpointResolver } from './endpoint-resolver.js';
import { EndpointStore } from './endpoint-store.js';
import type {
  CreateEndpointInput,
  Endpoint,
  EndpointWithSecret,
  ListEndpointsInput,
} from './endpoint.js';
import {
  deliveryJobs,
  prepareEvent,
  type PublishOptions,
  type PublishResult,
} from './publish-event.js';

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  /** Validated settings. Default: `loadSettings(process.env)`. */
  readonly settings?: Settings;
  /** Organization used when `publishEvent` is given none. Default: none (then it is required per call). */
  readonly organizationId?: string;
}

/** The library agent services import to publish events and manage endpoints. */
export interface Producer {
  /**
   * Publishes one event to every enabled endpoint subscribed to it. Resolves
   * once the deliveries are in Redis; an event no endpoint wants never
   * touches Redis.
   *
   * @throws {WebhookError} for invalid input (naming the field), or
   * `QUEUE_UNAVAILABLE` / `DATABASE_UNAVAILABLE` when a service is down.
   */
  publishEvent<T extends EventType>(
    agentId: string,
    eventType: T,
    data: EventData<T>,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /** Registers an endpoint. The result carries its secret, shown this once. */
  createEndpoint(input: CreateEndpointInput): Promise<EndpointWithSecret>;
  /** One endpoint, or undefined. */
  getEndpoint(id: string): Promise<Endpoint | undefined>;
  /** Endpoints matching the filters. */
  listEndpoints(filters?: ListEndpointsInput): Promise<Endpoint[]>;
  /** Deletes an endpoint; its queued deliveries are cancelled. */
  deleteEndpoint(id: string): Promise<void>;
  /** Closes the Redis connection and the pg pool. */
  close(): Promise<void>;
}

/** Creates a producer with its own Redis connection and pg pool; `close()` releases both. */
export function createProducer(options: ProducerOptions = {}): Producer {
  const settings = options.settings ?? loadSettings();
  const db = createDb({
    connectionString: settings.databaseUrl,
    poolSize: settings.databasePoolSize,
    applicationName: 'letta-webhooks-producer',
  });
  const redis = createRedis(settings.redisUrl, 'producer');
  const queue = new Queue<DeliveryJobData>(settings.queueName, {
    connection: redis,
    prefix: settings.queuePrefix,
    defaultJobOptions: deliveryJobOptions(settings),
  });
  queue.on('error', () => undefined);
  const resolver = new EndpointResolver(db, settings.endpointCacheTtlMs);
  const endpoints = new EndpointStore(db, new AddressGuard(settings.allowedCidrs), () => {
    resolver.invalidate();
  });
  const defaults: PublishOptions =
    options.organizationId === undefined ? {} : { organizationId: options.organizationId };
  let closed = false;

  return {
    async publishEvent(agentId, eventType, data, publishOptions = {}) {
      if (closed) throw new Error('producer is closed');
      const event = prepareEvent(
        agentId,
        eventType,
        data,
        { ...defaults, ...publishOptions },
        settings.maxPayloadBytes,
      );
      let targets;
      try {
        targets = await resolver.resolve(event.organizationId, event.agentId, event.eventType);
      } catch (error) {
        throw new WebhookError({
          code: 'DATABASE_UNAVAILABLE',
          message: 'could not look up endpoints',
          cause: error,
        });
      }
      const jobs = deliveryJobs(
        event,
        targets.map((target) => target.id),
      );
      if (jobs.length > 0) {
        try {
          await queue.addBulk(jobs);
        } catch (error) {
          throw new WebhookError({
            code: 'QUEUE_UNAVAILABLE',
            message: `could not enqueue ${jobs.length} deliveries: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        }
      }
      return {
        eventId: event.eventId,
        deliveries: jobs.map((job) => ({
          deliveryId: job.data.deliveryId,
          endpointId: job.data.endpointId,
        })),
      };
    },
    createEndpoint: (input) => endpoints.create(input),
    getEndpoint: (id) => endpoints.get(id),
    listEndpoints: (filters) => endpoints.list(filters),
    deleteEndpoint: (id) => endpoints.delete(id),
    async close() {
      if (closed) return;
      closed = true;
      await queue.close();
      redis.disconnect();
      await db.destroy();
    },
  };
}
