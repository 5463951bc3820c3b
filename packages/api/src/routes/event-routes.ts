import type { BatchEvent } from '@letta-webhooks/producer';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { actingAgent, actingOrganization } from '../auth/scope.js';
import type { ApiServices } from '../services.js';
import {
  publishBatchBodySchema,
  publishBatchResultSchema,
  publishEventBodySchema,
  publishResultSchema,
} from '../wire/event-schemas.js';
import { toWire } from '../wire/to-wire.js';
import type { z } from 'zod';
import { answer, errorResponses, type ApiApp } from './route-types.js';

const tags = ['events'];

// One wire event as the producer's publish arguments, in the principal's scope.
function toBatchEvent(
  principal: Principal,
  event: z.output<typeof publishEventBodySchema>,
  prefix = '',
): BatchEvent {
  const agentId = actingAgent(principal, event.agent_id, `${prefix}agent_id`) ?? event.agent_id;
  return {
    agentId,
    eventType: event.event_type,
    data: event.data as BatchEvent['data'],
    options: {
      organizationId: actingOrganization(
        principal,
        event.organization_id,
        `${prefix}organization_id`,
      ),
      ...(event.event_id === undefined ? {} : { eventId: event.event_id }),
      ...(event.occurred_at === undefined ? {} : { occurredAt: event.occurred_at }),
      ...(event.callback_url === undefined ? {} : { callbackUrl: event.callback_url }),
    },
  };
}

/** Event ingest: `POST /v1/events` and `POST /v1/events/batch`. */
export function eventRoutes(app: ApiApp, services: ApiServices): void {
  const { producer } = services;

  app.post(
    '/events',
    {
      schema: {
        operationId: 'publishEvent',
        summary: 'Publish one event',
        description:
          'Delivered to every enabled endpoint subscribed to it. Event ids are unique per organization: the same id with the same event answers the same and creates nothing; with a different event, 409 `CONFLICT`.',
        tags,
        body: publishEventBodySchema,
        response: {
          202: answer(
            'Published: the event id and one delivery per matching endpoint.',
            publishResultSchema,
          ),
          ...errorResponses(409, 413),
        },
      },
    },
    async (request, reply) => {
      const event = toBatchEvent(principalOf(request), request.body);
      const result = await producer.publishEvent(
        event.agentId,
        event.eventType,
        event.data,
        event.options,
      );
      return reply.code(202).send(toWire(result));
    },
  );

  app.post(
    '/events/batch',
    {
      schema: {
        operationId: 'publishEvents',
        summary: 'Publish up to 1,000 events at once',
        description:
          'Every event is validated first: one bad event fails the batch (its field named as `events.N.…`) and nothing is published.',
        tags,
        body: publishBatchBodySchema,
        response: {
          202: answer('Published, in the order sent.', publishBatchResultSchema),
          ...errorResponses(409, 413),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const events = request.body.events.map((event, index) =>
        toBatchEvent(principal, event, `events.${index}.`),
      );
      const results = await producer.publishEvents(events);
      return reply.code(202).send({ data: results.map((result) => toWire(result)) });
    },
  );
}
