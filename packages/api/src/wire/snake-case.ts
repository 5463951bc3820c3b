import { z } from 'zod';

// JSON on the wire is snake_case (like the envelope and Letta's own API); the
// TypeScript producer is camelCase. These helpers rename keys, at the type
// level and at run time, so wire schemas reuse the producer's field schemas.

/** `organizationId` → `organization_id`. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? Head extends Lowercase<Head>
    ? `${Head}${SnakeCase<Tail>}`
    : `_${Lowercase<Head>}${SnakeCase<Tail>}`
  : S;

/** `organization_id` → `organizationId`. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** `organizationId` → `organization_id`. */
export function snakeCase<S extends string>(name: S): SnakeCase<S> {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<S>;
}

/** `organization_id` → `organizationId`. */
export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

/** A zod shape with its keys in snake_case. */
export type SnakeShape<Shape extends z.core.$ZodShape> = {
  [K in keyof Shape & string as SnakeCase<K>]: Shape[K];
};

/**
 * The wire form of a producer input schema: the same field schemas under
 * snake_case keys, in a strict object (an unknown field is refused). Refine
 * further with `.pick`, `.omit` and `.extend`.
 */
export function wireObject<Shape extends z.core.$ZodShape>(
  schema: z.ZodObject<Shape>,
): z.ZodObject<SnakeShape<Shape>, z.core.$strict> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [snakeCase(key), field]),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<SnakeShape<Shape>, z.core.$strict>;
}
