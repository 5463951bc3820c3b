import type { AttemptErrorKind, AttemptOutcome } from '@letta-webhooks/shared';
import type { HttpAttemptResult } from './http/attempt-result.js';
import { parseRetryAfter } from './retry/retry-after.js';

/** What an attempt means for its delivery. */
export interface AttemptVerdict {
  readonly outcome: AttemptOutcome;
  /** True for 410 Gone: the endpoint is disabled. */
  readonly endpointGone: boolean;
  /** How long the receiver asked us to wait (429/503 with Retry-After). */
  readonly retryAfterMs?: number;
  readonly errorKind: AttemptErrorKind | 'aborted' | null;
  readonly errorMessage: string | null;
}

/**
 * The delivery outcome table of DESIGN.md:
 * 2xx succeeded; 410 permanent and disables the endpoint; 429/503 retried no
 * sooner than Retry-After; 3xx retried, never followed; other 4xx/5xx,
 * timeouts, connection and DNS errors retried; a refused URL is permanent.
 */
export function classifyAttempt(
  result: HttpAttemptResult,
  now: number = Date.now(),
): AttemptVerdict {
  const status = result.statusCode;
  if (status === undefined) {
    const error = result.error ?? { kind: 'connection' as const, message: 'no response' };
    return {
      outcome: error.kind === 'refused_url' ? 'permanent' : 'retryable',
      endpointGone: false,
      errorKind: error.kind,
      errorMessage: error.message,
    };
  }
  if (status >= 200 && status < 300) {
    return { outcome: 'succeeded', endpointGone: false, errorKind: null, errorMessage: null };
  }
  if (status === 410) {
    return {
      outcome: 'permanent',
      endpointGone: true,
      errorKind: 'http_status',
      errorMessage: 'receiver answered 410 Gone; endpoint disabled',
    };
  }
  if (status >= 300 && status < 400) {
    const target = result.location === undefined ? '' : ` to ${result.location.slice(0, 200)}`;
    return {
      outcome: 'retryable',
      endpointGone: false,
      errorKind: 'redirect',
      errorMessage: `receiver answered ${status}${target}; redirects are not followed`,
    };
  }
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, now) : undefined;
  return {
    outcome: 'retryable',
    endpointGone: false,
    errorKind: 'http_status',
    errorMessage: `receiver answered ${status}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
