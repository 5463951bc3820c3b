import { z } from 'zod';
import { named } from './registry.js';

/** Path parameters of every route about one record. */
export const idParamsSchema = z.strictObject({
  id: z.string().min(1).max(200).describe('The record id (`ep_…`, `dlv_…`, `evt_…`).'),
});

/** One page of a listing, as the library's `Page`. */
export function pageSchema<S extends z.ZodType>(id: string, item: S) {
  return named(
    id,
    z.object({
      data: z.array(item),
      next_cursor: z
        .string()
        .nullable()
        .describe('Pass back as `cursor` for the next page; null when there is none.'),
    }),
  );
}

/** A time on the wire: ISO 8601 with an offset (`2026-01-01T12:00:00Z`). */
export const isoTime = z.iso.datetime({ offset: true });
