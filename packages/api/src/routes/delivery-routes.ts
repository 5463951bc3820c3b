import { principalOf } from '../auth/authenticate.js';
import { scopedFilters, visible } from '../auth/scope.js';
import type { ApiServices } from '../services.js';
import { idParamsSchema } from '../wire/common-schemas.js';
import {
  deliveryDetailSchema,
  deliveryPageSchema,
  listDeliveriesQuerySchema,
  resentSchema,
} from '../wire/delivery-schemas.js';
import { fromWire, toWire } from '../wire/to-wire.js';
import { answer, errorResponses, type ApiApp } from './route-types.js';

const tags = ['deliveries'];

/** The delivery log: `/v1/deliveries…`. */
export function deliveryRoutes(app: ApiApp, services: ApiServices): void {
  const { producer } = services;

  app.get(
    '/deliveries',
    {
      schema: {
        operationId: 'listDeliveries',
        summary: 'List deliveries, newest first',
        tags,
        querystring: listDeliveriesQuerySchema,
        response: { 200: answer('A page of deliveries.', deliveryPageSchema), ...errorResponses() },
      },
    },
    async (request) => {
      const filters = scopedFilters(principalOf(request), fromWire(request.query));
      if (filters === null) return { data: [], next_cursor: null };
      const page = await producer.listDeliveries(filters);
      return { data: page.data.map((delivery) => toWire(delivery)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/deliveries/:id',
    {
      schema: {
        operationId: 'getDelivery',
        summary: 'One delivery with the body sent and every attempt',
        tags,
        params: idParamsSchema,
        response: {
          200: answer('The delivery, its body and its attempts.', deliveryDetailSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      return toWire(visible(principalOf(request), await producer.getDelivery(id), 'delivery', id));
    },
  );

  app.post(
    '/deliveries/:id/resend',
    {
      schema: {
        operationId: 'resendDelivery',
        summary: 'Send one delivery again',
        description:
          'Same event id and body, a fresh signature; the attempt is recorded with trigger `manual`.',
        tags,
        params: idParamsSchema,
        response: {
          202: answer('The resend is queued.', resentSchema),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      visible(principalOf(request), await producer.getDelivery(id), 'delivery', id);
      return reply.code(202).send(toWire(await producer.resendDelivery(id)));
    },
  );
}
