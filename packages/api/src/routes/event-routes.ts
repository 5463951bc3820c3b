import type { BatchEvent } from '@letta-webhooks/producer';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { actingAgent, actingOrganization } from '../auth/scope.js';
import type { ApiServices } from '../services.js';
import { idParamsSchema } from '../wire/common-schemas.js';
import {
  publishBatchBodySchema,
  publishBatchResultSchema,
  publishEventBodySchema,
  publishResultSchema,
  replayEventBodySchema,
} from '../wire/event-schemas.js';
import { OPTIONAL_BODY } from '../openapi/finish-document.js';
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

/** Event ingest and replay: `POST /v1/events`, `POST /v1/events/batch`, `POST /v1/events/{id}/replay`. */
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

  app.post(
    '/events/:id/replay',
    {
      schema: {
        operationId: 'replayEvent',
        summary: 'Deliver a stored event again to the endpoints that match it now',
        description:
          'Endpoints that had it get it again (same event id and body, a fresh signature, trigger `manual`); endpoints subscribed since get a first delivery. An unknown id, or an event of another organization, answers 404.',
        tags,
        params: idParamsSchema,
        body: replayEventBodySchema,
        [OPTIONAL_BODY]: true,
        response: {
          202: answer('Queued: one delivery per endpoint that matches now.', publishResultSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const agentId = actingAgent(principal, undefined);
      const result = await producer.replayEvent(request.params.id, {
        organizationId: actingOrganization(principal, request.body.organization_id),
        ...(agentId === undefined ? {} : { agentId }),
      });
      return reply.code(202).send(toWire(result));
    },
  );
}
