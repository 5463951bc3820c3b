import { describe, expect, it } from '@jest/globals';
import { BACKOFF_TYPE, deliveryJobOptions, loadSettings } from '@letta-webhooks/shared';
import { RetryPolicy, type AttemptVerdict } from '../src/index.js';
import { RetryableDeliveryError } from '../src/retry/retryable-delivery-error.js';

const policy = new RetryPolicy({
  maxAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  jitter: 0,
  retryAfterMaxMs: 60_000,
});

const verdict = (overrides: Partial<AttemptVerdict>): AttemptVerdict => ({
  outcome: 'retryable',
  endpointGone: false,
  errorKind: 'http_status',
  errorMessage: 'receiver answered 500',
  ...overrides,
});

describe('RetryPolicy.next', () => {
  it('settles a success and fails a permanent error at once', () => {
    expect(policy.next(verdict({ outcome: 'succeeded', errorKind: null }), 1)).toEqual({
      status: 'succeeded',
    });
    expect(policy.next(verdict({ outcome: 'permanent', errorKind: 'refused_url' }), 1)).toEqual({
      status: 'failed',
    });
  });

  it('retries with backoff until the attempts run out, then fails', () => {
    expect(policy.next(verdict({}), 1)).toEqual({ status: 'pending', delayMs: 1_000 });
    expect(policy.next(verdict({}), 2)).toEqual({ status: 'pending', delayMs: 2_000 });
    expect(policy.next(verdict({}), 3)).toEqual({ status: 'failed' });
  });

  it("waits as long as the receiver's Retry-After asks, capped", () => {
    expect(policy.next(verdict({ retryAfterMs: 30_000 }), 1)).toEqual({
      status: 'pending',
      delayMs: 30_000,
    });
    expect(policy.next(verdict({ retryAfterMs: 7_200_000 }), 1)).toEqual({
      status: 'pending',
      delayMs: 60_000,
    });
  });

  it('hands an attempt aborted by shutdown back soon, even on the last attempt', () => {
    expect(policy.next(verdict({ errorKind: 'aborted' }), 3)).toEqual({
      status: 'pending',
      delayMs: 1_000,
    });
  });
});

describe('RetryPolicy.backoffStrategy (BullMQ)', () => {
  it("returns the processor's delay, backs off unexpected errors, and stops after the last attempt", () => {
    expect(policy.backoffStrategy(1, BACKOFF_TYPE, new RetryableDeliveryError('500', 4_321))).toBe(
      4_321,
    );
    expect(policy.backoffStrategy(2, BACKOFF_TYPE, new Error('postgres down'))).toBe(2_000);
    expect(policy.backoffStrategy(3, BACKOFF_TYPE, new Error('postgres down'))).toBe(-1);
    expect(policy.backoffStrategy(1, 'exponential', new Error('x'))).toBe(-1);
  });

  it('is the only owner of max attempts: jobs carry the ceiling, whatever the enqueuer set', () => {
    const few = loadSettings({ WEBHOOK_MAX_ATTEMPTS: '2' });
    const many = loadSettings({ WEBHOOK_MAX_ATTEMPTS: '50' });
    expect(deliveryJobOptions(few).attempts).toBe(deliveryJobOptions(many).attempts);
    expect(deliveryJobOptions(few).attempts).toBeGreaterThanOrEqual(many.retry.maxAttempts);
  });
});
