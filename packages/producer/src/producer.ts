import type { EventData, EventType } from '@letta-webhooks/shared';
import type { Page } from './cursor.js';
import type { Delivery, DeliveryDetail, ListDeliveriesInput } from './delivery-log.js';
import type {
  CreateEndpointInput,
  Endpoint,
  EndpointHealth,
  EndpointWithSecret,
  ListEndpointsInput,
  RotateSecretInput,
  UpdateEndpointInput,
} from './endpoint.js';
import type { PublishOptions, PublishResult } from './publish-event.js';
import type { QueueStats } from './queue-stats.js';
import type { RecoverOptions, ReplayScope } from './replayer.js';
import type { TestEventInput, TestEventResult } from './send-test-event.js';

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

/** One event of a `publishEvents` batch. */
export interface BatchEvent<T extends EventType = EventType> {
  readonly agentId: string;
  readonly eventType: T;
  readonly data: EventData<T>;
  readonly options?: PublishOptions;
}
