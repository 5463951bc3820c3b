/**
 * Thrown to hand a delivery back to BullMQ for a retry. Carries the delay
 * the processor chose (backoff, or a receiver's Retry-After), which the
 * worker's backoff strategy returns to BullMQ as is.
 */
export class RetryableDeliveryError extends Error {
  readonly retryDelayMs: number;

  constructor(message: string, retryDelayMs: number) {
    super(message);
    this.name = 'RetryableDeliveryError';
    this.retryDelayMs = retryDelayMs;
  }
}
