import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { ApiKeyStore, startApi, type RunningApi } from '../src/index.js';
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
});
