import type { Attempt, DeliveryDetail } from './wire.js';

/** What the portal shows in place of a signature. */
export const ELIDED = '(elided)';

/**
 * The request headers of one attempt, rebuilt from what the delivery log
 * stores. They mirror packages/worker/src/delivery-headers.ts (a test compares
 * the two); the signatures were made with the endpoint's secret and are never
 * stored, so they are shown elided.
 */
export function requestHeaders(
  delivery: Pick<DeliveryDetail, 'id' | 'event_id' | 'event_type'>,
  attempt: Pick<Attempt, 'attempt_number' | 'started_at'>,
): [name: string, value: string][] {
  const timestamp = String(Math.floor(new Date(attempt.started_at).getTime() / 1000));
  return [
    ['Content-Type', 'application/json'],
    ['User-Agent', 'Letta-Webhooks/1.0'],
    ['X-Letta-Event-Type', delivery.event_type],
    ['X-Letta-Event-Id', delivery.event_id],
    ['X-Letta-Delivery-Id', delivery.id],
    ['X-Letta-Attempt', String(attempt.attempt_number)],
    ['X-Letta-Timestamp', timestamp],
    ['X-Letta-Signature', `sha256=${ELIDED}`],
    ['webhook-id', delivery.event_id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', `v1,${ELIDED}`],
  ];
}
