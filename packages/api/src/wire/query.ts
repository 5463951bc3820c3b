import { z } from 'zod';

// Query strings carry text; these read a producer field schema from text.

/** A number field given in the query string, checked by the producer's `field`. */
export function queryNumber<S extends z.ZodType<number, number>>(field: S) {
  return z.coerce.number<string>().pipe(field);
}

/** A boolean field given in the query string as `true`/`false` (also 1/0, yes/no). */
export const queryBoolean = z.stringbool();
