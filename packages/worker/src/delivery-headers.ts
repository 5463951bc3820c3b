import { signWebhook, type DeliveryJobData } from '@letta-webhooks/shared';

/** The User-Agent of every webhook request. */
export const USER_AGENT = 'Letta-Webhooks/1.0';

/**
 * Every header of one attempt, signed afresh with this attempt's timestamp:
 * one MAC per secret, in both the Letta and Standard Webhooks encodings.
 */
export function deliveryHeaders(
  job: DeliveryJobData,
  attemptNumber: number,
  secrets: readonly string[],
  nowMs: number = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  const signatures = signWebhook({ messageId: job.eventId, timestamp, body: job.body, secrets });
  return {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Letta-Event-Type': job.eventType,
    'X-Letta-Event-Id': job.eventId,
    'X-Letta-Delivery-Id': job.deliveryId,
    'X-Letta-Attempt': String(attemptNumber),
    'X-Letta-Timestamp': String(timestamp),
    'X-Letta-Signature': signatures.letta,
    'webhook-id': job.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.standard,
  };
}
