import { BACKOFF_TYPE, type RetrySettings } from '@letta-webhooks/shared';
import type { AttemptVerdict } from '../classify-attempt.js';
import { backoffDelay, retryDelay } from './backoff.js';
import { RetryableDeliveryError } from './retryable-delivery-error.js';

/** What follows an attempt: the delivery's next state and, when it is retried, after how long. */
export type RetryDecision =
  | { readonly status: 'succeeded' | 'failed'; readonly delayMs?: undefined }
  | { readonly status: 'pending'; readonly delayMs: number };

// An attempt our own shutdown aborted goes back to the queue this soon.
const SHUTDOWN_REQUEUE_DELAY_MS = 1_000;

/**
 * The retry decision, in one place: given how an attempt went (the verdict)
 * and which attempt of its job it was, the delivery's next state and delay.
 * The worker's settings own the schedule and the number of attempts; jobs
 * carry only BullMQ's ceiling (`deliveryJobOptions`), so the direct publish
 * path, the outbox relay and replay cannot disagree about them.
 *
 * The delay reaches BullMQ on the error the processor throws
 * ({@link RetryableDeliveryError}) and comes back out of
 * {@link RetryPolicy.backoffStrategy}: BullMQ keeps owning retries and
 * delays, and `next_attempt_at` in Postgres matches its schedule.
 */
export class RetryPolicy {
  readonly #settings: RetrySettings;

  constructor(settings: RetrySettings) {
    this.#settings = settings;
  }

  /** Attempts per delivery, the first included (`WEBHOOK_MAX_ATTEMPTS`). */
  get maxAttempts(): number {
    return this.#settings.maxAttempts;
  }

  /**
   * The decision after attempt number `retry` of a job (1 = its first run).
   * Success settles; a permanent failure fails; a retryable one waits its
   * backoff (or the receiver's Retry-After) until the attempts run out. An
   * attempt aborted by shutdown is handed back soon, whatever its number.
   */
  next(verdict: AttemptVerdict, retry: number): RetryDecision {
    switch (verdict.outcome) {
      case 'succeeded':
        return { status: 'succeeded' };
      case 'permanent':
        return { status: 'failed' };
      case 'retryable':
        if (verdict.errorKind === 'aborted') {
          return { status: 'pending', delayMs: SHUTDOWN_REQUEUE_DELAY_MS };
        }
        if (retry >= this.#settings.maxAttempts) return { status: 'failed' };
        return {
          status: 'pending',
          delayMs: retryDelay(retry, this.#settings, verdict.retryAfterMs),
        };
    }
  }

  /**
   * BullMQ's `settings.backoffStrategy` for delivery jobs: the delay the
   * processor chose, or the plain backoff for an unexpected error (Postgres
   * unreachable while recording), until the attempts run out.
   */
  readonly backoffStrategy = (attemptsMade: number, type?: string, error?: Error): number => {
    if (type !== BACKOFF_TYPE) return -1;
    if (error instanceof RetryableDeliveryError) return error.retryDelayMs;
    if (attemptsMade >= this.#settings.maxAttempts) return -1;
    return backoffDelay(attemptsMade, this.#settings);
  };
}
