import { z } from 'zod';
import { eventTypeSchema, type EventType } from '../events/catalogue.js';
import { attemptTriggerSchema, type AttemptTrigger } from '../db/states.js';

/** BullMQ job name of every delivery job. */
export const DELIVERY_JOB_NAME = 'deliver';

/**
 * What a delivery job carries in Redis. Never a secret: the worker reads the
 * endpoint's secret from Postgres. `body` is the exact bytes to send.
 */
export const deliveryJobSchema = z.object({
  deliveryId: z.string().startsWith('dlv_'),
  eventId: z.string().startsWith('evt_'),
  endpointId: z.string().startsWith('ep_'),
  eventType: eventTypeSchema,
  agentId: z.string().min(1),
  organizationId: z.string().min(1),
  occurredAt: z.string(),
  body: z.string().min(2),
  /**
   * `manual` for resends and recoveries: sent even if the delivery already
   * settled; `test` for a test event sent to one endpoint.
   */
  trigger: attemptTriggerSchema.default('scheduled'),
  /**
   * MAC over every field above, added by `JobAuthenticator.sign` as the job
   * is enqueued; the worker refuses a job without a valid one.
   */
  auth: z.string().max(200).optional(),
});

/** The data of one delivery job. */
export type DeliveryJobData = z.input<typeof deliveryJobSchema>;

/** The name of the worker's custom BullMQ backoff strategy. */
export const BACKOFF_TYPE = 'letta-capped-exponential';

/** A delivery as stored in Postgres, joined with its event's body (replay, outbox, reconciler). */
export interface StoredDelivery {
  readonly id: string;
  readonly event_id: string;
  readonly endpoint_id: string;
  readonly event_type: string;
  readonly agent_id: string;
  readonly organization_id: string;
  readonly body: string;
  readonly occurred_at: Date;
}

/** The job data that sends a stored delivery (again). */
export function jobDataFromStored(
  row: StoredDelivery,
  trigger: AttemptTrigger = 'scheduled',
): DeliveryJobData {
  return {
    deliveryId: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    eventType: row.event_type as EventType,
    agentId: row.agent_id,
    organizationId: row.organization_id,
    occurredAt: row.occurred_at.toISOString(),
    body: row.body,
    trigger,
  };
}
