import { withTimeout } from '@letta-webhooks/shared';
import { z } from 'zod';
import type { ApiServices, ReadinessCheck } from '../services.js';
import { answer, type ApiApp } from './route-types.js';

const CHECK_TIMEOUT_MS = 2_000;

async function within(check: ReadinessCheck, ms: number): Promise<string> {
  try {
    return (await withTimeout(check(), ms)).timedOut ? `no answer within ${ms} ms` : 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const readinessSchema = z.object({
  status: z.enum(['ready', 'not ready', 'stopping']),
  checks: z.record(z.string(), z.string()),
});

/** Options of {@link systemRoutes}. */
export interface SystemRouteOptions {
  /** True once shutdown began: `/readyz` answers 503 so load balancers stop sending. */
  readonly stopping: () => boolean;
}

/** `/healthz`, `/readyz` and `/metrics`: no credential, outside `/v1`. */
export function systemRoutes(
  app: ApiApp,
  services: ApiServices,
  options: SystemRouteOptions,
): void {
  const tags = ['operations'];
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'health',
        summary: 'The process is alive',
        tags,
        security: [],
        response: { 200: answer('Alive.', z.object({ status: z.literal('ok') })) },
      },
    },
    () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        summary: 'Ready for traffic: Postgres and Redis answer, and the process is not stopping',
        tags,
        security: [],
        response: {
          200: answer('Ready.', readinessSchema),
          503: answer('Not ready, or stopping; `checks` says why.', readinessSchema),
        },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        Object.entries(services.readiness).map(
          async ([name, check]) => [name, await within(check, CHECK_TIMEOUT_MS)] as const,
        ),
      );
      const checks = Object.fromEntries(entries);
      const status = options.stopping()
        ? 'stopping'
        : entries.every(([, result]) => result === 'ok')
          ? 'ready'
          : 'not ready';
      return reply.code(status === 'ready' ? 200 : 503).send({ status, checks });
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type(services.metrics.registry.contentType)
      .send(await services.metrics.registry.metrics()),
  );
}
