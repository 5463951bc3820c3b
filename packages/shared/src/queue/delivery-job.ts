import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../events/catalogue.js';

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
  eventType: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
  agentId: z.string().min(1),
  organizationId: z.string().min(1),
  occurredAt: z.string(),
  body: z.string().min(2),
  /** `manual` for resends and recoveries: sent even if the delivery already settled. */
  trigger: z.enum(['scheduled', 'manual']).default('scheduled'),
});

/** The data of one delivery job. */
export type DeliveryJobData = z.input<typeof deliveryJobSchema>;

/** The name of the worker's custom BullMQ backoff strategy. */
export const BACKOFF_TYPE = 'letta-capped-exponential';
