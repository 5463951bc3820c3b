import {
  listDeliveriesInputSchema,
  type Attempt,
  type Delivery,
  type DeliveryDetail,
} from '@letta-webhooks/producer';
import {
  attemptOutcomeSchema,
  attemptTriggerSchema,
  deliveryStatusSchema,
} from '@letta-webhooks/shared';
import { z } from 'zod';
import { isoTime, pageSchema } from './common-schemas.js';
import { queryNumber } from './query.js';
import { named, type SameShape } from './registry.js';
import { wireObject } from './snake-case.js';
import type { Wire } from './to-wire.js';

const list = wireObject(listDeliveriesInputSchema);

/** `GET /v1/deliveries` query: the library's filters. */
export const listDeliveriesQuerySchema = list.extend({
  since: isoTime.optional().describe('Deliveries created at or after this time.'),
  until: isoTime.optional().describe('Deliveries created before this time.'),
  limit: queryNumber(list.shape.limit.unwrap()).optional(),
});

/** One HTTP attempt of a delivery. */
export const attemptSchema = named(
  'Attempt',
  z.object({
    attempt_number: z.int(),
    trigger: attemptTriggerSchema,
    outcome: attemptOutcomeSchema,
    status_code: z.int().nullable(),
    error_kind: z.string().nullable(),
    error_message: z.string().nullable(),
    response_excerpt: z.string().nullable(),
    response_truncated: z.boolean(),
    started_at: isoTime,
    duration_ms: z.number(),
  }),
);
true satisfies SameShape<z.output<typeof attemptSchema>, Wire<Attempt>>;

/** One delivery (event × endpoint) and its current state. */
export const deliverySchema = named(
  'Delivery',
  z.object({
    id: z.string(),
    event_id: z.string(),
    endpoint_id: z.string(),
    event_type: z.string(),
    organization_id: z.string(),
    agent_id: z.string(),
    status: deliveryStatusSchema,
    attempt_count: z.int(),
    last_status_code: z.int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: isoTime.nullable(),
    created_at: isoTime,
    completed_at: isoTime.nullable(),
  }),
);
true satisfies SameShape<z.output<typeof deliverySchema>, Wire<Delivery>>;

/** A delivery with the exact body sent and every attempt, oldest first. */
export const deliveryDetailSchema = named(
  'DeliveryDetail',
  deliverySchema.extend({
    body: z.string().describe('The exact bytes sent (the envelope, as JSON text).'),
    attempts: z.array(attemptSchema),
  }),
);
true satisfies SameShape<z.output<typeof deliveryDetailSchema>, Wire<DeliveryDetail>>;

/** A page of deliveries. */
export const deliveryPageSchema = pageSchema('DeliveryPage', deliverySchema);

/** The answer of resend. */
export const resentSchema = z.object({ delivery_id: z.string() });
