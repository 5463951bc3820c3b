import { z } from 'zod';
import { eventTypeSchema } from './catalogue.js';

/** Event ids: `evt_` then 1–100 letters, digits, `_` or `-`. */
export const eventIdSchema = z
  .string()
  .regex(/^evt_[A-Za-z0-9_-]{1,100}$/, 'must be "evt_" followed by 1-100 of [A-Za-z0-9_-]');

/** Agent and organization ids: non-empty, printable, at most 200 characters. */
export const resourceIdSchema = z
  .string()
  .min(1, 'is required')
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** The request body of every webhook. */
export const envelopeSchema = z.object({
  event_id: eventIdSchema,
  event_type: eventTypeSchema,
  timestamp: z.iso.datetime(),
  agent_id: resourceIdSchema,
  organization_id: resourceIdSchema,
  data: z.record(z.string(), z.unknown()),
});

/** The request body of every webhook, parsed. */
export type WebhookEnvelope = z.infer<typeof envelopeSchema>;
