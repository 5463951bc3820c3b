import { z } from 'zod';

// The closed vocabularies of the delivery log, once. Table types, filters and
// wire schemas derive from these; the SQL CHECK constraints list the same values.

/** Delivery states: `pending` until it succeeds, fails for good, or is cancelled. */
export const deliveryStatusSchema = z.enum(['pending', 'succeeded', 'failed', 'cancelled']);
/** Delivery states. */
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

/**
 * What started an attempt: the retry schedule (`scheduled`), an operator's
 * resend or recover (`manual`), or a test event sent to one endpoint (`test`).
 */
export const attemptTriggerSchema = z.enum(['scheduled', 'manual', 'test']);
/** What started an attempt. */
export type AttemptTrigger = z.infer<typeof attemptTriggerSchema>;

/** How an attempt ended. */
export const attemptOutcomeSchema = z.enum(['succeeded', 'retryable', 'permanent']);
/** How an attempt ended. */
export type AttemptOutcome = z.infer<typeof attemptOutcomeSchema>;

/** `subscription`: registered by an organization; `callback`: a one-off URL given at publish. */
export const endpointKindSchema = z.enum(['subscription', 'callback']);
/** `subscription`: registered by an organization; `callback`: a one-off URL given at publish. */
export type EndpointKind = z.infer<typeof endpointKindSchema>;

/** Why an attempt went wrong, when it did. */
export const attemptErrorKindSchema = z.enum([
  'http_status',
  'redirect',
  'timeout',
  'connection',
  'dns',
  'refused_url',
  'response_read',
  // The job's envelope does not match its endpoint (organization, agent, subscription).
  'rejected_job',
  // This process cannot deliver as configured (a secret sealed with a key it lacks).
  'configuration',
]);
/** Why an attempt went wrong, when it did. */
export type AttemptErrorKind = z.infer<typeof attemptErrorKindSchema>;
