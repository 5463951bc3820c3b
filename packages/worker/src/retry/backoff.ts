import type { RetrySettings } from '@letta-webhooks/shared';

/**
 * The delay before retry number `retry` (1 = the first retry): the base
 * delay doubled per retry, capped at `maxDelayMs`, then shortened by up to
 * `jitter` of itself at random so retries of many deliveries spread out.
 */
export function backoffDelay(
  retry: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    settings.maxDelayMs,
    settings.baseDelayMs * 2 ** Math.max(0, retry - 1),
  );
  return Math.round(exponential * (1 - settings.jitter * random()));
}

/**
 * The delay before the next attempt: the backoff delay, or longer when the
 * receiver asked for it with Retry-After (capped at `retryAfterMaxMs`).
 */
export function retryDelay(retry: number, settings: RetrySettings, retryAfterMs?: number): number {
  const computed = backoffDelay(retry, settings);
  if (retryAfterMs === undefined) return computed;
  return Math.max(computed, Math.min(retryAfterMs, settings.retryAfterMaxMs));
}

/** The shortest time from the first attempt to the last, jitter at its worst. */
export function minimumRetryWindowMs(settings: RetrySettings): number {
  let total = 0;
  for (let retry = 1; retry < settings.maxAttempts; retry++)
    total += backoffDelay(retry, settings, () => 1);
  return total;
}
