import { camelCase, snakeCase, type CamelCase, type SnakeCase } from './snake-case.js';

type WireValue<V> = V extends Date
  ? string
  : V extends readonly (infer E)[]
    ? E extends Date
      ? string[]
      : E extends object
        ? Wire<E>[]
        : E[]
    : V;

/**
 * What {@link toWire} makes of `T`: snake_case keys, dates as ISO strings,
 * arrays of records converted the same way. Values that are maps (`data`,
 * `metadata`) are the caller's own keys and stay as they are.
 */
export type Wire<T> = { -readonly [K in keyof T & string as SnakeCase<K>]: WireValue<T[K]> };

/** The producer form of a wire object: camelCase keys, values as they are. */
export type FromWire<T> = { [K in keyof T & string as CamelCase<K>]: Exclude<T[K], undefined> };

function wireValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value.map((item: unknown) =>
      item instanceof Date
        ? item.toISOString()
        : typeof item === 'object' && item !== null && !Array.isArray(item)
          ? toWire(item)
          : item,
    );
  }
  return value;
}

/** A producer result as it goes on the wire (see {@link Wire}). */
export function toWire<T extends object>(value: T): Wire<T> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[snakeCase(key)] = wireValue(item);
  return out as Wire<T>;
}

/**
 * A validated wire object as producer input: top-level keys to camelCase,
 * fields left undefined dropped (the producer's options are exact).
 */
export function fromWire<T extends object>(value: T): FromWire<T> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[camelCase(key)] = item;
  }
  return out as FromWire<T>;
}
