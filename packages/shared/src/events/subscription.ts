import { z } from 'zod';
import { EVENT_TYPES, isEventType } from './catalogue.js';

/**
 * What an endpoint subscribes to: an exact event type, a prefix wildcard
 * (`agent.*`, `agent.tool.*`) that matches at least one catalogue type, or `*`.
 */
export const eventTypeFilterSchema = z.string().refine(isValidFilter, {
  error: 'must be a catalogue event type, a prefix wildcard such as "agent.*", or "*"',
});

function isValidFilter(filter: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) {
    const prefix = filter.slice(0, -1);
    return /^[a-z]+(\.[a-z]+)*\.$/.test(prefix) && anyTypeStartsWith(prefix);
  }
  return isEventType(filter);
}

function anyTypeStartsWith(prefix: string): boolean {
  return EVENT_TYPES.some((type) => type.startsWith(prefix));
}

/** True when an endpoint subscribed to `filter` wants events of `eventType`. */
export function filterMatches(filter: string, eventType: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return eventType.startsWith(filter.slice(0, -1));
  return filter === eventType;
}

/** True when any of an endpoint's filters wants events of `eventType`. */
export function subscribes(filters: readonly string[], eventType: string): boolean {
  return filters.some((filter) => filterMatches(filter, eventType));
}
