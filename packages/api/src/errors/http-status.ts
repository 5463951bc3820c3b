import type { WebhookErrorCode } from '@letta-webhooks/shared';

/**
 * The one table from `WebhookError` codes to HTTP statuses. docs/api.md shows
 * the same table; a test checks every row over real HTTP.
 */
export const HTTP_STATUS: { readonly [C in WebhookErrorCode]: number } = {
  INVALID_INPUT: 400,
  UNKNOWN_EVENT_TYPE: 400,
  INVALID_URL: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  ENDPOINT_DISABLED: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUEUE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  // The service itself is misconfigured: nothing the caller can change.
  INVALID_SETTINGS: 500,
};

/** Seconds a client should wait before retrying a 503 (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;
