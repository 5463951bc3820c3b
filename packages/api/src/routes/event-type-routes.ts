import { EVENT_TYPES, EXAMPLE_EVENT_DATA, eventDataSchemas } from '@letta-webhooks/shared';
import { z } from 'zod';
import { eventTypeListSchema } from '../wire/event-schemas.js';
import { answer, errorResponses, type ApiApp } from './route-types.js';

/** The catalogue with a JSON Schema per type, generated from the producer's own zod schemas. */
function catalogue(): z.output<typeof eventTypeListSchema> {
  return {
    data: EVENT_TYPES.map((eventType) => ({
      event_type: eventType,
      schema: z.toJSONSchema(eventDataSchemas[eventType], { io: 'input' }),
      example: EXAMPLE_EVENT_DATA[eventType],
    })),
  };
}

/** `GET /v1/event-types`. */
export function eventTypeRoutes(app: ApiApp): void {
  const listing = catalogue();
  app.get(
    '/event-types',
    {
      schema: {
        operationId: 'listEventTypes',
        summary: 'The event catalogue',
        description:
          'Every event type with a JSON Schema of its `data` and an example payload, so receivers can generate types.',
        tags: ['event types'],
        response: { 200: answer('Every event type.', eventTypeListSchema), ...errorResponses() },
      },
    },
    () => listing,
  );
}
