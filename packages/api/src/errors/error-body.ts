import { WEBHOOK_ERROR_CODES, type WebhookErrorCode } from '@letta-webhooks/shared';
import { z } from 'zod';
import { named } from '../wire/registry.js';

/** The code of an unexpected failure (a bug): status 500, no details. */
export const INTERNAL_ERROR = 'INTERNAL_ERROR';

/** Every code an error response can carry. */
export type ErrorCode = WebhookErrorCode | typeof INTERNAL_ERROR;

const errorCodes = [...Object.keys(WEBHOOK_ERROR_CODES), INTERNAL_ERROR] as unknown as [
  ErrorCode,
  ...ErrorCode[],
];

/**
 * Every error response: `{ "error": { "code", "field", "message" } }`, the
 * same shape as the CLI's `--json` errors.
 */
export const errorBodySchema = named(
  'Error',
  z.object({
    error: z.object({
      code: z.enum(errorCodes).describe('What went wrong; branch on this, never on the message.'),
      field: z
        .string()
        .nullable()
        .describe('The offending field as a dotted path (`data.usage.total_tokens`), when one is.'),
      message: z.string().describe('A sentence for people.'),
    }),
  }),
  'An error. The HTTP status follows from the code (see docs/api.md).',
);

/** An error response body. */
export type ErrorBody = z.output<typeof errorBodySchema>;

/** Builds an error response body. */
export function errorBody(code: ErrorCode, message: string, field?: string | null): ErrorBody {
  return { error: { code, field: field ?? null, message } };
}
