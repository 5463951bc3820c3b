import { snakeCase } from '../wire/snake-case.js';

// Keys inside these fields are the caller's own and keep their spelling.
const OPAQUE = new Set(['data', 'metadata']);

function segments(field: string): { given: string; wire: string }[] {
  let opaque = false;
  return field.split('.').map((given) => {
    const wire = opaque ? given : snakeCase(given);
    if (OPAQUE.has(given)) opaque = true;
    return { given, wire };
  });
}

/**
 * A producer field path (`events.2.agentId`) as the wire spells it
 * (`events.2.agent_id`); segments inside `data` or `metadata` stay as given.
 */
export function wireField(field: string): string {
  return segments(field)
    .map((segment) => segment.wire)
    .join('.');
}

/** A producer error message with the field's camelCase names spelled as on the wire. */
export function wireMessage(message: string, field: string): string {
  let out = message;
  for (const { given, wire } of segments(field)) {
    if (given !== wire) out = out.replace(new RegExp(`\\b${given}\\b`, 'g'), wire);
  }
  return out;
}
