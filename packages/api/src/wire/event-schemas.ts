import { MAX_BATCH, type PublishResult } from '@letta-webhooks/producer';
import { endpointUrlSchema, envelopeSchema, eventTypeSchema } from '@letta-webhooks/shared';
import { z } from 'zod';
import { isoTime } from './common-schemas.js';
import { named, type SameShape } from './registry.js';
import type { Wire } from './to-wire.js';

const envelope = envelopeSchema.shape;

/** `POST /v1/events`: one event, in the envelope's own field names. */
export const publishEventBodySchema = named(
  'PublishEvent',
  z.strictObject({
    ...envelopeSchema.pick({ agent_id: true, event_type: true }).shape,
    data: envelope.data.describe(
      "The event's data: its schema depends on event_type (GET /v1/event-types); fields the schema does not list are kept.",
    ),
    organization_id: envelope.organization_id
      .optional()
      .describe("Required with an admin key; an organization's key publishes in its own."),
    event_id: envelope.event_id
      .optional()
      .describe(
        'Your id for the event. Publishing the same id again with the same event answers the same and creates nothing; with a different event, 409.',
      ),
    occurred_at: isoTime
      .optional()
      .describe('When it happened (the envelope `timestamp`). Default: now.'),
    callback_url: endpointUrlSchema
      .optional()
      .describe(
        'A one-off URL to deliver this event to as well (agent.run.completed and agent.job.completed only).',
      ),
  }),
);

/** `POST /v1/events/batch`. */
export const publishBatchBodySchema = z.strictObject({
  events: z.array(publishEventBodySchema).min(1).max(MAX_BATCH),
});

/** `POST /v1/events/{id}/replay`: which organization's event (event ids are unique per organization). */
export const replayEventBodySchema = z.strictObject({
  organization_id: envelope.organization_id
    .optional()
    .describe(
      "The event's organization: required with an admin key; an organization's key replays in its own.",
    ),
});

/** What a publish created: the event id and one delivery per matching endpoint. */
export const publishResultSchema = named(
  'PublishResult',
  z.object({
    event_id: z.string(),
    deliveries: z.array(z.object({ delivery_id: z.string(), endpoint_id: z.string() })),
  }),
);
true satisfies SameShape<z.output<typeof publishResultSchema>, Wire<PublishResult>>;

/** The answer of a batch publish, in the order of the events sent. */
export const publishBatchResultSchema = z.object({ data: z.array(publishResultSchema) });

/** One entry of `GET /v1/event-types`. */
export const eventTypeInfoSchema = named(
  'EventTypeInfo',
  z.object({
    event_type: eventTypeSchema,
    schema: z
      .record(z.string(), z.unknown())
      .describe('JSON Schema (draft 2020-12) of the `data` object.'),
    example: z.record(z.string(), z.unknown()).describe('A valid `data` object.'),
  }),
);

/** `GET /v1/event-types`. */
export const eventTypeListSchema = z.object({ data: z.array(eventTypeInfoSchema) });
