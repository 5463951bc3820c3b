import type { z } from 'zod';

/**
 * Names `schema` as the component `id` of the OpenAPI document
 * (`#/components/schemas/…`), so generated clients get named types. The name
 * lives in zod's global registry, where `.describe()` texts live too: the
 * document generator reads both from there.
 */
export function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  return schema.meta(description === undefined ? { id } : { id, description });
}

/**
 * True when two types accept exactly the same values; used as
 * `true satisfies SameShape<z.output<typeof schema>, Wire<ProducerType>>` so a
 * field added to the producer fails the build until the wire schema has it.
 */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
