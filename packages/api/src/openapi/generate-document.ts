import type { Producer } from '@letta-webhooks/producer';
import { pino } from 'pino';
import { buildApp } from '../build-app.js';
import { createApiMetrics } from '../observability/metrics.js';
import type { ApiServices } from '../services.js';

function unavailable(): never {
  throw new Error('services are not available while generating the OpenAPI document');
}

/**
 * The OpenAPI document exactly as a running API serves it at `/openapi.json`,
 * generated without Postgres or Redis (no route runs). `pnpm openapi` writes
 * it to packages/api/openapi.json.
 */
export async function generateOpenApiDocument(): Promise<unknown> {
  const services: ApiServices = {
    producer: new Proxy({} as Producer, { get: () => unavailable }),
    credentials: [],
    readiness: {},
    metrics: createApiMetrics(),
    testWaitMs: 0,
    endpointStats: { read: unavailable },
    portal: {
      sessions: {
        mint: unavailable,
        exchange: unavailable,
        findActive: unavailable,
        end: unavailable,
      },
      settings: { sessionTtlMs: 0, publicUrl: null },
      assets: undefined,
    },
  };
  const { app } = await buildApp({
    settings: { bodyLimitBytes: 1_024, trustProxy: false },
    services,
    logger: pino({ level: 'silent' }),
  });
  try {
    return app.swagger();
  } finally {
    await app.close();
  }
}
