import { WebhookError } from '@letta-webhooks/shared';
import { z } from 'zod';

/** The listings that hand out cursors; a cursor only works for its own. */
export type CursorKind = 'endpoints' | 'deliveries';

const payloadSchema = z.object({
  k: z.enum(['endpoints', 'deliveries']),
  p: z.array(z.string()).min(1).max(4),
});

/** An opaque cursor for the page after `position` in listing `kind`. */
export function encodeCursor(kind: CursorKind, position: readonly string[]): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position })).toString('base64url');
}

/**
 * The position a cursor stands for.
 *
 * @throws {WebhookError} `INVALID_INPUT` on field `cursor` when it is malformed
 * or was handed out by another listing.
 */
export function decodeCursor(kind: CursorKind, cursor: string): string[] {
  let payload: z.infer<typeof payloadSchema> | undefined;
  try {
    payload = payloadSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    payload = undefined;
  }
  if (payload?.k !== kind) {
    throw new WebhookError({
      code: 'INVALID_INPUT',
      field: 'cursor',
      message: `cursor: not a cursor of the ${kind} listing; pass back a nextCursor it returned`,
    });
  }
  return payload.p;
}

/** One page of a listing; pass `nextCursor` back for the next one (null: no more). */
export interface Page<T> {
  readonly data: readonly T[];
  readonly nextCursor: string | null;
}
