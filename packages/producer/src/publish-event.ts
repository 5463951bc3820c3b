import {
  DELIVERY_JOB_NAME,
  WebhookError,
  deliveryIdFor,
  endpointUrlSchema,
  eventDataSchemas,
  eventIdSchema,
  isEventType,
  newId,
  parseOrThrow,
  resourceIdSchema,
  type DeliveryJobData,
  type EventType,
  type WebhookEnvelope,
} from '@letta-webhooks/shared';
import type { QueryExecutorProvider } from 'kysely';
import { z } from 'zod';
import { inputDigest } from './publish/input-digest.js';

/** Options of `publishEvent`. */
export interface PublishOptions {
  /** The agent's organization. Default: the producer's `organizationId`. */
  readonly organizationId?: string;
  /**
   * The event id (`evt_…`). Publishing the same id again with the same input
   * gets the first publish's answer and creates no second delivery; with a
   * different input it fails with `CONFLICT`. Default: a new id.
   */
  readonly eventId?: string;
  /** When the event happened (the envelope's `timestamp`). Default: now. */
  readonly occurredAt?: Date | string;
  /**
   * A one-off URL to deliver this event to as well, without registering an
   * endpoint (Letta's `callback_url`); `agent.run.completed` and
   * `agent.job.completed` only. Signed with the organization's callback secret.
   */
  readonly callbackUrl?: string;
  /**
   * Publish inside the caller's own Kysely transaction (transactional outbox):
   * the event and its deliveries are written with the caller's changes and
   * commit or roll back with them; a worker's relay then moves committed
   * deliveries into the queue. It must be a transaction on the webhooks
   * database. Default: the producer's own group commit (durable mode), or
   * Redis only (`WEBHOOK_PUBLISH_MODE=fast`).
   */
  readonly transaction?: QueryExecutorProvider;
}

/** What `publishEvent` enqueued: one delivery per matching endpoint. */
export interface PublishResult {
  readonly eventId: string;
  readonly deliveries: readonly { readonly deliveryId: string; readonly endpointId: string }[];
}

/** A validated event, serialized once, ready to fan out. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly agentId: string;
  readonly organizationId: string;
  readonly occurredAt: string;
  readonly body: string;
  readonly callbackUrl?: string;
  /** Digest of the caller's input: a repeated event id is the same event only if this matches. */
  readonly inputDigest: string;
}

/** The event types that accept a `callbackUrl`. */
export const CALLBACK_EVENT_TYPES: readonly EventType[] = [
  'agent.run.completed',
  'agent.job.completed',
];

const optionsSchema = z.strictObject({
  organizationId: resourceIdSchema,
  eventId: eventIdSchema.optional(),
  occurredAt: z
    .union([z.date(), z.iso.datetime({ offset: true })])
    .transform((value) => new Date(value))
    .refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date')
    .optional(),
  callbackUrl: endpointUrlSchema.optional(),
  transaction: z
    .custom<QueryExecutorProvider>(
      (value) => typeof (value as { getExecutor?: unknown } | null)?.getExecutor === 'function',
      'must be a Kysely transaction (or Kysely instance)',
    )
    .optional(),
});

/**
 * Validates an event and serializes its envelope — the exact bytes every
 * endpoint will receive.
 *
 * @throws {WebhookError} naming the bad field: `agentId`, `eventType`,
 * `data.…`, `organizationId`, `eventId`, `occurredAt`; `PAYLOAD_TOO_LARGE`
 * above `maxPayloadBytes`.
 */
export function prepareEvent(
  agentId: unknown,
  eventType: unknown,
  data: unknown,
  options: PublishOptions,
  maxPayloadBytes: number,
): PreparedEvent {
  const agent = parseOrThrow(resourceIdSchema, agentId, { root: 'agentId', what: 'agentId' });
  if (!isEventType(eventType)) {
    throw new WebhookError({
      code: 'UNKNOWN_EVENT_TYPE',
      field: 'eventType',
      message: `eventType: ${JSON.stringify(eventType) ?? String(eventType)} is not in the event catalogue`,
    });
  }
  const opts = parseOrThrow(optionsSchema, options, { what: 'publish options' });
  if (opts.callbackUrl !== undefined && !CALLBACK_EVENT_TYPES.includes(eventType)) {
    throw new WebhookError({
      code: 'INVALID_INPUT',
      field: 'callbackUrl',
      message: `callbackUrl: only ${CALLBACK_EVENT_TYPES.join(' and ')} events take a callback URL`,
    });
  }
  const validData: unknown = parseOrThrow(eventDataSchemas[eventType], data, {
    root: 'data',
    what: `data for ${eventType}`,
  });
  const eventId = opts.eventId ?? newId('evt');
  const occurredAt = (opts.occurredAt ?? new Date()).toISOString();
  const envelope: Omit<WebhookEnvelope, 'data'> & { data: unknown } = {
    event_id: eventId,
    event_type: eventType,
    timestamp: occurredAt,
    agent_id: agent,
    organization_id: opts.organizationId,
    data: validData,
  };
  let body: string;
  try {
    body = JSON.stringify(envelope);
  } catch (error) {
    // BigInt values and cycles in loose fields get here.
    throw new WebhookError({
      code: 'INVALID_INPUT',
      field: 'data',
      message: `data: cannot be serialized as JSON (${error instanceof Error ? error.message : String(error)})`,
    });
  }
  const size = Buffer.byteLength(body);
  if (size > maxPayloadBytes) {
    throw new WebhookError({
      code: 'PAYLOAD_TOO_LARGE',
      field: 'data',
      message: `data: the serialized event is ${size} bytes, over the ${maxPayloadBytes}-byte limit`,
    });
  }
  return {
    eventId,
    eventType,
    agentId: agent,
    organizationId: opts.organizationId,
    occurredAt,
    body,
    ...(opts.callbackUrl === undefined ? {} : { callbackUrl: opts.callbackUrl }),
    inputDigest: inputDigest({
      organizationId: opts.organizationId,
      agentId: agent,
      eventType,
      data: validData,
      occurredAt: opts.occurredAt?.toISOString() ?? null,
      callbackUrl: opts.callbackUrl ?? null,
    }),
  };
}

/** One BullMQ job per endpoint; the job id is the delivery id, so re-adding is a no-op. */
export function deliveryJobs(event: PreparedEvent, endpointIds: readonly string[]) {
  return endpointIds.map((endpointId) => {
    const deliveryId = deliveryIdFor(event.eventId, endpointId);
    const data: DeliveryJobData = {
      deliveryId,
      eventId: event.eventId,
      endpointId,
      eventType: event.eventType,
      agentId: event.agentId,
      organizationId: event.organizationId,
      occurredAt: event.occurredAt,
      body: event.body,
    };
    return { name: DELIVERY_JOB_NAME, data, opts: { jobId: deliveryId } };
  });
}
