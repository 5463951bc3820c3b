import { isWebhookError } from '@letta-webhooks/shared';

/** Exit codes of the `letta-webhooks` command, for scripts to branch on. */
export const EXIT_CODES = {
  OK: 0,
  /** Anything unexpected (a bug, or a failed migration). */
  FAILURE: 1,
  /** A setting (environment variable) is invalid. */
  BAD_SETTINGS: 2,
  /** Bad arguments: unknown option, malformed value, invalid input. */
  BAD_INPUT: 3,
  /** The endpoint, delivery or event does not exist. */
  NOT_FOUND: 4,
  /** The endpoint is disabled or deleted. */
  ENDPOINT_DISABLED: 5,
  /** Redis or Postgres could not be reached. */
  UNAVAILABLE: 6,
  /** The event id was already used with a different event. */
  CONFLICT: 7,
} as const;

/** The exit code an error should end the command with. */
export function exitCodeFor(error: unknown): number {
  if (!isWebhookError(error)) return EXIT_CODES.FAILURE;
  switch (error.code) {
    case 'INVALID_SETTINGS':
      return EXIT_CODES.BAD_SETTINGS;
    case 'INVALID_INPUT':
    case 'UNKNOWN_EVENT_TYPE':
    case 'INVALID_URL':
    case 'PAYLOAD_TOO_LARGE':
      return EXIT_CODES.BAD_INPUT;
    case 'NOT_FOUND':
      return EXIT_CODES.NOT_FOUND;
    case 'ENDPOINT_DISABLED':
      return EXIT_CODES.ENDPOINT_DISABLED;
    case 'CONFLICT':
      return EXIT_CODES.CONFLICT;
    case 'UNAUTHORIZED':
      return EXIT_CODES.FAILURE;
    case 'QUEUE_UNAVAILABLE':
    case 'DATABASE_UNAVAILABLE':
      return EXIT_CODES.UNAVAILABLE;
  }
}
