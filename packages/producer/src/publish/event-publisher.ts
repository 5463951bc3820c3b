import {
  WebhookError,
  isWebhookError,
  urlRefusal,
  type AddressGuard,
  type DeliveryJobData,
  type Settings,
} from '@letta-webhooks/shared';
import type { CallbackRegistry } from '../callback-registry.js';
import type { EndpointResolver } from '../endpoint-resolver.js';
import type { BatchEvent } from '../producer.js';
import {
  deliveryJobs,
  prepareEvent,
  type PreparedEvent,
  type PublishOptions,
  type PublishResult,
} from '../publish-event.js';
import type { RedisPolicyGate } from '../redis-policy-gate.js';
import type { DurablePublisher } from './durable-publisher.js';
import type { JobEnqueuer } from './job-enqueuer.js';
import { writeOutbox } from './write-outbox.js';

/** Most events one `publishEvents` call takes. */
export const MAX_BATCH = 1_000;

/** What {@link EventPublisher} works with. */
export interface EventPublisherDeps {
  readonly settings: Pick<Settings, 'maxPayloadBytes' | 'publishMode'>;
  /** Applied under each call's options (the producer's `organizationId`). */
  readonly defaults: PublishOptions;
  readonly guard: AddressGuard;
  readonly resolver: EndpointResolver;
  readonly callbacks: CallbackRegistry;
  readonly evictionGate: RedisPolicyGate;
  readonly enqueuer: JobEnqueuer;
  readonly durable: DurablePublisher;
}

/** An event validated, its endpoints resolved, its jobs built. */
interface PreparedPublish {
  readonly event: PreparedEvent;
  readonly jobs: ReturnType<typeof deliveryJobs>;
  readonly transaction: PublishOptions['transaction'];
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
 * `publishEvent` and `publishEvents`: validate, resolve the endpoints, then
 * hand the events to the caller's transaction (outbox), the durable path
 * (default) or straight to Redis (fast mode).
 */
export class EventPublisher {
  readonly #deps: EventPublisherDeps;

  constructor(deps: EventPublisherDeps) {
    this.#deps = deps;
  }

  /** Publishes one event. */
  async publishOne(
    agentId: unknown,
    eventType: unknown,
    data: unknown,
    options: PublishOptions,
  ): Promise<PublishResult> {
    await this.#deps.evictionGate.verify();
    const prepared = await this.#prepare(agentId, eventType, data, options);
    const [result] = await this.#dispatch([prepared]);
    if (result === undefined) throw new Error('publish lost a result');
    return result;
  }

  /** Publishes a batch: every event is validated before any is published. */
  async publishMany(events: readonly BatchEvent[]): Promise<PublishResult[]> {
    await this.#deps.evictionGate.verify();
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
          await this.#prepare(event.agentId, event.eventType, event.data, event.options ?? {}),
        );
      } catch (error) {
        throw isWebhookError(error) ? withFieldPrefix(error, `events.${index}`) : error;
      }
    }
    return this.#dispatch(prepared);
  }

  async #prepare(
    agentId: unknown,
    eventType: unknown,
    data: unknown,
    options: PublishOptions,
  ): Promise<PreparedPublish> {
    const { guard, resolver, callbacks } = this.#deps;
    const event = prepareEvent(
      agentId,
      eventType,
      data,
      { ...this.#deps.defaults, ...options },
      this.#deps.settings.maxPayloadBytes,
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
    return { event, jobs: deliveryJobs(event, endpointIds), transaction: options.transaction };
  }

  // Transactional publishes go to the outbox in the caller's transaction; the rest
  // through the durable path (default) or straight to Redis (fast mode).
  async #dispatch(prepared: readonly PreparedPublish[]): Promise<PublishResult[]> {
    const results: (PublishResult | WebhookError | undefined)[] = [];
    const direct: number[] = [];
    for (const [index, item] of prepared.entries()) {
      if (item.transaction !== undefined)
        results[index] = await writeOutbox(item.transaction, item);
      else if (item.jobs.length === 0) results[index] = resultOf(item);
      else direct.push(index);
    }
    const items = direct.map((index) => prepared[index] as PreparedPublish);
    if (this.#deps.settings.publishMode === 'fast') {
      await this.#deps.enqueuer.submit(items.flatMap((item) => item.jobs));
      for (const [n, index] of direct.entries())
        results[index] = resultOf(items[n] as PreparedPublish);
    } else if (items.length > 0) {
      const published = await this.#deps.durable.publish(items);
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
}
