/**
 * Every error code the library raises, mapped to a short description.
 * Callers branch on `error.code`, never on message text.
 */
export const WEBHOOK_ERROR_CODES = {
  INVALID_INPUT: 'an argument failed validation',
  UNKNOWN_EVENT_TYPE: 'the event type is not in the catalogue',
  PAYLOAD_TOO_LARGE: 'the serialized event exceeds the payload limit',
  INVALID_URL:
    'a URL was refused (not absolute http(s), credentials, too long, a non-public or loopback host, or http while https is required); `field` names it, the message says why',
  NOT_FOUND: 'the requested record does not exist',
  ENDPOINT_DISABLED: 'the endpoint is disabled or deleted; enable it first',
  INVALID_SETTINGS: 'one or more settings are invalid',
  QUEUE_UNAVAILABLE: 'the queue (Redis) could not accept the jobs',
  DATABASE_UNAVAILABLE: 'Postgres could not be reached',
  UNAUTHORIZED: 'the API key is missing, unknown or revoked',
  CONFLICT: 'the event id was already used with a different event',
} as const;

/** One of the codes in {@link WEBHOOK_ERROR_CODES}. */
export type WebhookErrorCode = keyof typeof WEBHOOK_ERROR_CODES;

/** One problem found while validating input, with the path of the field. */
export interface WebhookErrorIssue {
  readonly field: string;
  readonly message: string;
}

/** Options for {@link WebhookError}. */
export interface WebhookErrorOptions {
  readonly code: WebhookErrorCode;
  readonly message: string;
  /** The offending field, as a dotted path (`data.usage.total_tokens`). */
  readonly field?: string;
  /** Every problem found, when there are several (settings, schemas). */
  readonly issues?: readonly WebhookErrorIssue[];
  readonly cause?: unknown;
}

/**
 * The one error class the library throws for expected failures: bad input,
 * missing records, unavailable services. Carries a `code` and, for input
 * problems, the `field` that caused it.
 */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly field: string | undefined;
  readonly issues: readonly WebhookErrorIssue[];

  constructor(options: WebhookErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookError';
    this.code = options.code;
    this.field = options.field;
    this.issues =
      options.issues ?? (options.field ? [{ field: options.field, message: options.message }] : []);
  }
}

/** True when `error` is a {@link WebhookError}, optionally with the given code. */
export function isWebhookError(error: unknown, code?: WebhookErrorCode): error is WebhookError {
  return error instanceof WebhookError && (code === undefined || error.code === code);
}
