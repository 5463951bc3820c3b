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
import { sql, type QueryExecutorProvider } from 'kysely';
import { z } from 'zod';

/** Options of `publishEvent`. */
export interface PublishOptions {
  /** The agent's organization. Default: the producer's `organizationId`. */
  readonly organizationId?: string;
  /**
   * The event id (`evt_…`). Publishing the same id again creates no second
   * delivery to any endpoint. Default: a new id.
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
   * database. Default: enqueue directly in Redis.
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

/**
 * Writes an event and its deliveries into the outbox, inside `transaction`:
 * they become visible to the relay only when the caller commits.
 */
export async function writeOutbox(
  transaction: QueryExecutorProvider,
  jobs: readonly { data: DeliveryJobData }[],
): Promise<void> {
  const first = jobs[0]?.data;
  if (first === undefined) return;
  await sql`
    WITH event AS (
      INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
      VALUES (${first.eventId}, ${first.eventType}, ${first.organizationId}, ${first.agentId}, ${first.body}, ${first.occurredAt})
      ON CONFLICT (id) DO NOTHING
    )
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status)
    SELECT id, ${first.eventId}, endpoint_id, ${first.eventType}, ${first.organizationId}, ${first.agentId}, 'pending'
    FROM unnest(${jobs.map((j) => j.data.deliveryId)}::text[], ${jobs.map((j) => j.data.endpointId)}::text[]) AS t(id, endpoint_id)
    ON CONFLICT (id) DO NOTHING
  `.execute(transaction);
}
