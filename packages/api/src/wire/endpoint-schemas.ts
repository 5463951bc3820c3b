import {
  createEndpointInputSchema,
  listEndpointsInputSchema,
  rotateSecretInputSchema,
  updateEndpointInputSchema,
  type Endpoint,
  type EndpointHealth,
  type EndpointWithSecret,
} from '@letta-webhooks/producer';
import { endpointKindSchema, eventTypeSchema, secretSchema } from '@letta-webhooks/shared';
import { z } from 'zod';
import { isoTime, pageSchema } from './common-schemas.js';
import { queryBoolean, queryNumber } from './query.js';
import { named, type SameShape } from './registry.js';
import { wireObject } from './snake-case.js';
import type { Wire } from './to-wire.js';
import { attemptSchema } from './delivery-schemas.js';

const create = wireObject(createEndpointInputSchema);

/** `POST /v1/endpoints`. */
export const createEndpointBodySchema = named(
  'CreateEndpoint',
  create.extend({
    organization_id: create.shape.organization_id
      .optional()
      .describe("Required with an admin key; an organization's key creates in its own."),
  }),
);

/** `PATCH /v1/endpoints/{id}`: at least one field. */
export const updateEndpointBodySchema = named(
  'UpdateEndpoint',
  wireObject(updateEndpointInputSchema),
);

const list = wireObject(listEndpointsInputSchema);

/** `GET /v1/endpoints` query. */
export const listEndpointsQuerySchema = list.extend({
  enabled: queryBoolean.optional(),
  limit: queryNumber(list.shape.limit.unwrap()).optional(),
});

/** `POST /v1/endpoints/{id}/rotate-secret`. */
export const rotateSecretBodySchema = wireObject(rotateSecretInputSchema);

/** `POST /v1/endpoints/{id}/disable`. */
export const disableEndpointBodySchema = z.strictObject({
  reason: z.string().min(1).max(1_000).optional().describe('Recorded with the endpoint.'),
});

/** `POST /v1/endpoints/{id}/recover`. */
export const recoverBodySchema = z.strictObject({
  since: isoTime.describe('Failed deliveries created at or after this time are sent again.'),
  limit: z.int().positive().optional().describe('At most this many.'),
});

/** `POST /v1/endpoints/{id}/test`. */
export const testEventBodySchema = z.strictObject({
  event_type: eventTypeSchema
    .optional()
    .describe(
      "The type to send (default: the catalogue's first); its data is the catalogue's example.",
    ),
});

/** A registered endpoint, without its secret. */
export const endpointSchema = named(
  'Endpoint',
  z.object({
    id: z.string(),
    organization_id: z.string(),
    agent_id: z.string().nullable(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    kind: endpointKindSchema,
    created_at: isoTime,
    updated_at: isoTime,
  }),
);
true satisfies SameShape<z.output<typeof endpointSchema>, Wire<Endpoint>>;

/** An endpoint as created: with its secret, shown this once. */
export const endpointWithSecretSchema = named(
  'EndpointWithSecret',
  endpointSchema.extend({ secret: secretSchema }),
);
true satisfies SameShape<z.output<typeof endpointWithSecretSchema>, Wire<EndpointWithSecret>>;

/** A page of endpoints. */
export const endpointPageSchema = pageSchema('EndpointPage', endpointSchema);

/** How an endpoint has been doing. */
export const endpointHealthSchema = named(
  'EndpointHealth',
  z.object({
    endpoint_id: z.string(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    disabled_at: isoTime.nullable(),
    last_success_at: isoTime.nullable(),
    last_failure_at: isoTime.nullable(),
    failing_since: isoTime.nullable(),
    consecutive_failures: z.int(),
  }),
);
true satisfies SameShape<z.output<typeof endpointHealthSchema>, Wire<EndpointHealth>>;

/** The answer of rotate-secret. */
export const rotatedSecretSchema = z.object({
  secret: secretSchema,
  previous_valid_until: isoTime
    .nullable()
    .describe('Until when the old secret keeps signing too; null: revoked at once.'),
});

/** The answer of reveal-secret. */
export const revealedSecretSchema = z.object({ secret: secretSchema });

/** The answer of recover. */
export const recoveredSchema = z.object({ enqueued: z.int() });

/** The answer of the test route: the test delivery, and its first attempt if it came in time. */
export const testEventResultSchema = named(
  'TestEventResult',
  z.object({
    event_id: z.string(),
    delivery_id: z.string(),
    endpoint_id: z.string(),
    event_type: eventTypeSchema,
    attempt: attemptSchema
      .nullable()
      .describe('The first attempt; null when it had not been made when the wait ended (202).'),
  }),
);
