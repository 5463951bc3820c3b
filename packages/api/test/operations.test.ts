import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EndpointStatsReader, createProducer } from '@letta-webhooks/producer';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { createApiMetrics } from '../src/observability/metrics.js';
import { PortalSessionStore } from '../src/portal/portal-session-store.js';
import { ApiKeyStore, buildApp, startApi, type RunningApi } from '../src/index.js';
import { call, capturingLogger } from './support/api-fixture.js';

let ctx: TestContext;
let api: RunningApi;
let key: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ WEBHOOK_API_PORT: '0' });
  api = await startApi({ settings: ctx.settings, logger: capturingLogger(lines) });
  key = (await new ApiKeyStore(ctx.db).create({ organizationId: 'org-ops' })).key;
});

afterAll(async () => {
  await api.close();
  await ctx.cleanup();
});

describe('operations', () => {
  it('/healthz and /readyz answer without a key', async () => {
    expect((await call(api.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(api.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('gives every request an id, echoes a sane caller id, logs one line per request without the key', async () => {
    const generated = await call(api.url, 'GET', '/v1/endpoints', { key });
    expect(generated.headers['x-request-id']).toMatch(/^req_/);
    const given = await call(api.url, 'GET', '/v1/endpoints', {
      key,
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const hostile = await call(api.url, 'GET', '/v1/endpoints', {
      key,
      headers: { 'x-request-id': 'a b {"injected":1}' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^req_/);
    const line = lines.find((l) => l.requestId === 'trace-42');
    expect(line).toMatchObject({
      msg: 'request',
      method: 'GET',
      route: '/v1/endpoints',
      status: 200,
      ms: expect.any(Number),
      credential: expect.stringMatching(/^key_/),
    });
    expect(JSON.stringify(lines)).not.toContain(key);
    expect(JSON.stringify(lines)).not.toContain(key.slice(4, 20));
  });

  it('/metrics counts requests by route (the pattern, not the path) and status, with a latency histogram', async () => {
    await call(api.url, 'GET', '/v1/endpoints/ep_missing', { key });
    const metrics = await call(api.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(
      /letta_webhooks_api_requests_total\{method="GET",route="\/v1\/endpoints\/:id",status="404"\} 1/,
    );
    expect(metrics.text).toMatch(
      /letta_webhooks_api_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/endpoints"\}/,
    );
    expect(metrics.text).not.toContain('ep_missing');
  });

  it('/readyz answers 503 "stopping" once a graceful shutdown began, even with every check ok', async () => {
    // The Redis probe is held until the stop has begun, so this /readyz is in flight across it.
    let hold = false;
    let entered = (): void => undefined;
    let release = (): void => undefined;
    const inProbe = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const producer = createProducer({ settings: ctx.settings });
    const built = await buildApp({
      settings: { bodyLimitBytes: 1_024, trustProxy: false },
      logger: pino({ level: 'silent' }),
      services: {
        producer,
        credentials: [],
        readiness: {
          postgres: async () => {
            await sql`SELECT 1`.execute(ctx.db);
          },
          redis: async () => {
            if (hold) {
              entered();
              await released;
            }
            await ctx.redis.ping();
          },
        },
        metrics: createApiMetrics(),
        testWaitMs: 0,
        endpointStats: new EndpointStatsReader(ctx.db),
        portal: {
          sessions: new PortalSessionStore(ctx.db),
          settings: ctx.settings.portal,
          assets: undefined,
        },
      },
    });
    const { app } = built;
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      expect((await call(url, 'GET', '/readyz')).body).toEqual({
        status: 'ready',
        checks: { postgres: 'ok', redis: 'ok' },
      });
      hold = true;
      const probe = call(url, 'GET', '/readyz');
      await inProbe;
      built.markStopping();
      const closed = app.close();
      release();
      const answer = await probe;
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ status: 'stopping', checks: { postgres: 'ok', redis: 'ok' } });
      await closed;
    } finally {
      release();
      await app.close();
      await producer.close();
    }
  });
});
