import { principalOf } from '../auth/authenticate.js';
import { visible } from '../auth/scope.js';
import type { ApiServices } from '../services.js';
import { idParamsSchema } from '../wire/common-schemas.js';
import { endpointStatsQuerySchema, endpointStatsSchema } from '../wire/endpoint-stats-schemas.js';
import { toWire } from '../wire/to-wire.js';
import { answer, errorResponses, type ApiApp } from './route-types.js';

/** `GET /v1/endpoints/{id}/stats`: what the portal's chart of an endpoint shows. */
export function endpointStatsRoutes(app: ApiApp, services: ApiServices): void {
  app.get(
    '/endpoints/:id/stats',
    {
      schema: {
        operationId: 'getEndpointStats',
        summary: 'Attempts per hour by outcome, and latency percentiles',
        description:
          'Every attempt the endpoint received over the last 24 h (hourly bars) or 7 d (6-hour bars): succeeded and failed per bar, and p50/p90/p99 of the attempt durations.',
        tags: ['endpoints'],
        params: idParamsSchema,
        querystring: endpointStatsQuerySchema,
        response: {
          200: answer('The chart data.', endpointStatsSchema),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      visible(principalOf(request), await services.producer.getEndpoint(id), 'endpoint', id);
      return toWire(await services.endpointStats.read(id, request.query));
    },
  );
}
