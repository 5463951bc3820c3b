import type { Endpoint } from '@letta-webhooks/producer';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { actingAgent, actingOrganization, scopedFilters, visible } from '../auth/scope.js';
import type { ApiServices } from '../services.js';
import { idParamsSchema } from '../wire/common-schemas.js';
import {
  createEndpointBodySchema,
  disableEndpointBodySchema,
  endpointHealthSchema,
  endpointPageSchema,
  endpointSchema,
  endpointWithSecretSchema,
  listEndpointsQuerySchema,
  recoverBodySchema,
  recoveredSchema,
  revealedSecretSchema,
  rotatedSecretSchema,
  rotateSecretBodySchema,
  testEventBodySchema,
  testEventResultSchema,
  updateEndpointBodySchema,
} from '../wire/endpoint-schemas.js';
import { fromWire, toWire } from '../wire/to-wire.js';
import { OPTIONAL_BODY } from '../openapi/finish-document.js';
import { answer, errorResponses, type ApiApp } from './route-types.js';

const tags = ['endpoints'];
// Every route on one endpoint: `/endpoints/:id…`.
const ON_ONE = { tags, params: idParamsSchema };
// Answers that carry a secret are never stored by a cache on the way.
const NO_STORE = { 'Cache-Control': 'no-store' };

/** Endpoint management: `/v1/endpoints…`. */
export function endpointRoutes(app: ApiApp, services: ApiServices): void {
  const { producer } = services;
  // The endpoint, when the principal may see it; 404 otherwise, whoever owns it.
  async function owned(principal: Principal, id: string): Promise<Endpoint> {
    return visible(principal, await producer.getEndpoint(id), 'endpoint', id);
  }
  // The `:id` of a request on one endpoint, once the principal may see that endpoint.
  async function ownedId(
    request: FastifyRequest & { readonly params: { readonly id: string } },
  ): Promise<string> {
    const { id } = request.params;
    await owned(principalOf(request), id);
    return id;
  }

  app.post(
    '/endpoints',
    {
      schema: {
        operationId: 'createEndpoint',
        summary: 'Register an endpoint',
        description:
          'The answer carries the signing secret: it is shown this once (see also reveal-secret).',
        tags,
        body: createEndpointBodySchema,
        response: {
          201: answer('Created; `secret` is shown this once.', endpointWithSecretSchema),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { organization_id, agent_id, ...rest } = request.body;
      const agentId = actingAgent(principal, agent_id);
      const created = await producer.createEndpoint({
        ...fromWire(rest),
        organizationId: actingOrganization(principal, organization_id),
        ...(agentId === undefined ? {} : { agentId }),
      });
      return reply.code(201).headers(NO_STORE).send(toWire(created));
    },
  );

  app.get(
    '/endpoints',
    {
      schema: {
        operationId: 'listEndpoints',
        summary: 'List endpoints, oldest first',
        tags,
        querystring: listEndpointsQuerySchema,
        response: { 200: answer('A page of endpoints.', endpointPageSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const filters = scopedFilters(principalOf(request), fromWire(request.query));
      if (filters === null) return { data: [], next_cursor: null };
      const page = await producer.listEndpoints(filters);
      return { data: page.data.map((endpoint) => toWire(endpoint)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/endpoints/:id',
    {
      schema: {
        operationId: 'getEndpoint',
        summary: 'One endpoint',
        ...ON_ONE,
        response: { 200: answer('The endpoint.', endpointSchema), ...errorResponses(404) },
      },
    },
    async (request) => toWire(await owned(principalOf(request), request.params.id)),
  );

  app.patch(
    '/endpoints/:id',
    {
      schema: {
        operationId: 'updateEndpoint',
        summary: 'Change URL, event types, description, metadata or enabled',
        ...ON_ONE,
        body: updateEndpointBodySchema,
        response: {
          200: answer('The endpoint as it is now.', endpointSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) =>
      toWire(await producer.updateEndpoint(await ownedId(request), fromWire(request.body))),
  );

  app.delete(
    '/endpoints/:id',
    {
      schema: {
        operationId: 'deleteEndpoint',
        summary: 'Delete an endpoint',
        description: 'Its pending deliveries are cancelled; its history stays in the delivery log.',
        ...ON_ONE,
        response: { 204: z.undefined().describe('Deleted.'), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const id = await ownedId(request);
      await producer.deleteEndpoint(id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/endpoints/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateEndpointSecret',
        summary: 'Replace the signing secret',
        description:
          'The old secret keeps signing alongside the new one for `overlap_ms` (default 24 h; 0 revokes it at once).',
        ...ON_ONE,
        body: rotateSecretBodySchema,
        [OPTIONAL_BODY]: true,
        response: { 200: answer('The new secret.', rotatedSecretSchema), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const id = await ownedId(request);
      const rotated = await producer.rotateEndpointSecret(id, fromWire(request.body));
      return reply.headers(NO_STORE).send(toWire(rotated));
    },
  );

  app.post(
    '/endpoints/:id/disable',
    {
      schema: {
        operationId: 'disableEndpoint',
        summary: 'Stop deliveries to an endpoint',
        description: 'Its pending deliveries are cancelled; the reason is recorded.',
        ...ON_ONE,
        body: disableEndpointBodySchema,
        [OPTIONAL_BODY]: true,
        response: {
          200: answer('The endpoint as it is now.', endpointSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) =>
      toWire(await producer.disableEndpoint(await ownedId(request), request.body.reason)),
  );

  app.post(
    '/endpoints/:id/enable',
    {
      schema: {
        operationId: 'enableEndpoint',
        summary: 'Resume deliveries to an endpoint',
        description: 'Clears the disabled reason and the failure record.',
        ...ON_ONE,
        response: {
          200: answer('The endpoint as it is now.', endpointSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) => toWire(await producer.enableEndpoint(await ownedId(request))),
  );

  app.get(
    '/endpoints/:id/health',
    {
      schema: {
        operationId: 'getEndpointHealth',
        summary: 'Last success, failures, disabled reason',
        ...ON_ONE,
        response: {
          200: answer('How the endpoint has been doing.', endpointHealthSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) => toWire(await producer.getEndpointHealth(await ownedId(request))),
  );

  app.get(
    '/endpoints/:id/reveal-secret',
    {
      schema: {
        operationId: 'revealEndpointSecret',
        summary: "The endpoint's current signing secret",
        ...ON_ONE,
        response: {
          200: answer('The current secret.', revealedSecretSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const id = await ownedId(request);
      return reply.headers(NO_STORE).send({ secret: await producer.getEndpointSecret(id) });
    },
  );

  app.post(
    '/endpoints/:id/test',
    {
      schema: {
        operationId: 'sendTestEvent',
        summary: 'Send a test event to this endpoint only',
        description:
          "The catalogue's example payload of the chosen type becomes a recorded delivery (trigger `test`) sent by a worker like any other. Answers 200 with the first attempt, or 202 without it when the attempt has not been made within a few seconds.",
        ...ON_ONE,
        body: testEventBodySchema,
        [OPTIONAL_BODY]: true,
        response: {
          200: answer('Sent; `attempt` is its first attempt.', testEventResultSchema),
          202: answer(
            'Queued; the first attempt had not been made yet (`attempt` is null).',
            testEventResultSchema,
          ),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const id = await ownedId(request);
      const eventType = request.body.event_type;
      const result = await producer.sendTestEvent(id, {
        waitMs: services.testWaitMs,
        ...(eventType === undefined ? {} : { eventType }),
      });
      return reply
        .code(result.attempt === null ? 202 : 200)
        .send({ ...toWire(result), attempt: result.attempt && toWire(result.attempt) });
    },
  );

  app.post(
    '/endpoints/:id/recover',
    {
      schema: {
        operationId: 'recoverEndpoint',
        summary: "Send again an endpoint's failed deliveries created since a time",
        ...ON_ONE,
        body: recoverBodySchema,
        response: {
          202: answer('How many failed deliveries were queued again.', recoveredSchema),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const id = await ownedId(request);
      const { since, limit } = request.body;
      const result = await producer.recoverEndpoint(id, {
        since: new Date(since),
        ...(limit === undefined ? {} : { limit }),
      });
      return reply.code(202).send(result);
    },
  );
}
