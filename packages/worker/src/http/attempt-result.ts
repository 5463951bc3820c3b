import type { AttemptErrorKind } from '@letta-webhooks/shared';

/** What one HTTP POST produced: a response, or an error that stopped it. */
export interface HttpAttemptResult {
  readonly startedAt: Date;
  readonly durationMs: number;
  /** The response status, when headers arrived. */
  readonly statusCode?: number;
  /** The Retry-After header, when sent. */
  readonly retryAfter?: string;
  /** The Location header of a redirect, when sent. */
  readonly location?: string;
  /** The first bytes of the response body, as text. */
  readonly excerpt?: string;
  /** True when the body was longer than the excerpt, or could not be read to its end. */
  readonly truncated: boolean;
  /** Set when no response arrived (or its body failed), or shutdown aborted the request. */
  readonly error?: { readonly kind: AttemptErrorKind | 'aborted'; readonly message: string };
}
