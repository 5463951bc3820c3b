import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA, WEBHOOK_ERROR_CODES } from '@letta-webhooks/shared';
import { waitFor } from '../../../test/support/harness.js';
import { freePort, startPrivateRedis } from '../../../test/support/private-redis.js';
import { HTTP_STATUS, startApi, type RunningApi } from '../src/index.js';
import { call, startApiFixture, type Answer, type ApiFixture } from './support/api-fixture.js';

const BODY_LIMIT = 8_192;

let f: ApiFixture;
let key: string;

function expectError(answer: Answer, status: number, code: string, field?: string | null): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.body).toEqual({
    error: {
      code,
      field: field === undefined ? expect.anything() : field,
      message: expect.any(String),
    },
  });
  // Never a stack trace or an internal path.
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d/);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
}

beforeAll(async () => {
  f = await startApiFixture({
    WEBHOOK_API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    WEBHOOK_MAX_PAYLOAD_BYTES: '2048',
  });
  key = await f.keyFor('org-err');
});

afterAll(async () => {
  await f.close();
});

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

describe('error mapping: each WebhookError code to its status, with the field', () => {
  it('covers every code in one table', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(WEBHOOK_ERROR_CODES).sort());
  });

  it('INVALID_INPUT → 400 naming the field (in snake_case, as sent)', async () => {
    const answer = await f.call('POST', '/v1/events', {
      key,
      json: { agent_id: 'agent 1', event_type: 'agent.step.completed', data: step },
    });
    expectError(answer, 400, 'INVALID_INPUT', 'agent_id');
    const data = await f.call('POST', '/v1/events', {
      key,
      json: {
        agent_id: 'agent-1',
        event_type: 'agent.step.completed',
        data: { ...step, usage: { ...step.usage, total_tokens: -1 } },
      },
    });
    expectError(data, 400, 'INVALID_INPUT', 'data.usage.total_tokens');
    const batch = await f.call('POST', '/v1/events/batch', {
      key,
      json: {
        events: [
          { agent_id: 'agent-1', event_type: 'agent.step.completed', data: step },
          {
            agent_id: 'agent-1',
            event_type: 'agent.step.completed',
            data: step,
            callback_url: 'http://127.0.0.1:9/cb',
          },
        ],
      },
    });
    expectError(batch, 400, 'INVALID_INPUT', 'events.1.callback_url');
    expect(batch.body.error.message).toContain('callback_url');
    expect(batch.body.error.message).not.toContain('callbackUrl');
  });

  it('UNKNOWN_EVENT_TYPE → 400', async () => {
    const answer = await f.call('POST', '/v1/events', {
      key,
      json: { agent_id: 'agent-1', event_type: 'agent.nope', data: {} },
    });
    expectError(answer, 400, 'UNKNOWN_EVENT_TYPE', 'event_type');
  });

  it('INVALID_URL → 400', async () => {
    const answer = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: 'http://10.1.2.3/hook', event_types: ['*'] },
    });
    expectError(answer, 400, 'INVALID_URL', 'url');
  });

  it('NOT_FOUND → 404, also for routes that do not exist', async () => {
    expectError(await f.call('GET', '/v1/endpoints/ep_nope', { key }), 404, 'NOT_FOUND', 'id');
    expectError(await f.call('GET', '/v1/nothing-here', { key }), 404, 'NOT_FOUND', null);
    expectError(await f.call('PUT', '/v1/endpoints', { key, json: {} }), 404, 'NOT_FOUND', null);
  });

  it('ENDPOINT_DISABLED → 409', async () => {
    const created = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: 'http://127.0.0.1:9/off', event_types: ['*'] },
    });
    const id = created.body.id as string;
    await f.call('POST', `/v1/endpoints/${id}/disable`, { key });
    expectError(
      await f.call('POST', `/v1/endpoints/${id}/test`, { key }),
      409,
      'ENDPOINT_DISABLED',
      'endpoint_id',
    );
    expectError(
      await f.call('POST', `/v1/endpoints/${id}/recover`, {
        key,
        json: { since: '2026-01-01T00:00:00Z' },
      }),
      409,
      'ENDPOINT_DISABLED',
      'endpoint_id',
    );
  });

  it('CONFLICT → 409 naming event_id (an event id reused with a different event); a true repeat answers 200 again', async () => {
    await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: 'http://127.0.0.1:9/dup', event_types: ['*'], agent_id: 'agent-dup' },
    });
    const event = {
      agent_id: 'agent-dup',
      event_type: 'agent.step.completed',
      event_id: 'evt_01JCONFLICTTEST0000000000',
      data: step,
    };
    const first = await f.call('POST', '/v1/events', { key, json: event });
    expect(first.status).toBeLessThan(300);
    const again = await f.call('POST', '/v1/events', { key, json: event });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expectError(
      await f.call('POST', '/v1/events', {
        key,
        json: { ...event, data: { ...step, id: 'step-different' } },
      }),
      409,
      'CONFLICT',
      'event_id',
    );
  });

  it('PAYLOAD_TOO_LARGE → 413 (the serialized event over the payload limit)', async () => {
    const answer = await f.call('POST', '/v1/events', {
      key,
      json: {
        agent_id: 'agent-1',
        event_type: 'agent.step.completed',
        data: { ...step, padding: 'x'.repeat(3_000) },
      },
    });
    expectError(answer, 413, 'PAYLOAD_TOO_LARGE', 'data');
  });

  it('QUEUE_UNAVAILABLE → 503 with Retry-After (Redis gone, fast publish mode)', async () => {
    await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: 'http://127.0.0.1:9/q', event_types: ['*'], agent_id: 'agent-q' },
    });
    // A Redis of our own, stopped once the API is connected: the shared one is never touched.
    const redis = await startPrivateRedis();
    const settings = f.ctx.withSettings({
      REDIS_URL: redis.url,
      WEBHOOK_PUBLISH_MODE: 'fast',
    });
    let api: RunningApi | undefined;
    try {
      api = await startApi({ settings });
      const url = api.url;
      await waitFor(
        async () => ((await call(url, 'GET', '/readyz')).status === 200 ? true : undefined),
        {
          what: 'the API to reach its Redis',
        },
      );
      await redis.kill();
      const answer = await call(url, 'POST', '/v1/events', {
        key,
        json: { agent_id: 'agent-q', event_type: 'agent.step.completed', data: step },
      });
      expectError(answer, 503, 'QUEUE_UNAVAILABLE', null);
      expect(answer.headers['retry-after']).toBe('1');
      const ready = await call(url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not ready', checks: { postgres: 'ok' } });
    } finally {
      await api?.close();
      await redis.stop();
    }
  });

  it('DATABASE_UNAVAILABLE → 503 with Retry-After (Postgres down)', async () => {
    const settings = f.ctx.withSettings({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
    });
    const api = await startApi({ settings });
    try {
      const answer = await call(api.url, 'GET', '/v1/endpoints', { key });
      expectError(answer, 503, 'DATABASE_UNAVAILABLE', null);
      expect(answer.headers['retry-after']).toBe('1');
      expect((await call(api.url, 'GET', '/healthz')).status).toBe(200);
      expect((await call(api.url, 'GET', '/readyz')).body).toMatchObject({
        status: 'not ready',
        checks: { postgres: expect.not.stringMatching(/^ok$/) },
      });
    } finally {
      await api.close();
    }
  });
});

describe('bad input never reaches a route: each a 4xx with the error shape', () => {
  it('malformed JSON → 400 on field body', async () => {
    for (const raw of ['{"agent_id": ', '{"a":1}}', 'null x', '']) {
      const answer = await f.call('POST', '/v1/events', {
        key,
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expectError(answer, 400, 'INVALID_INPUT', 'body');
    }
  });

  it('a __proto__ key is refused, not merged', async () => {
    const answer = await f.call('POST', '/v1/endpoints', {
      key,
      raw: '{"url":"http://127.0.0.1:9/p","event_types":["*"],"__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 400, 'INVALID_INPUT');
  });

  it('a media type other than JSON → 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const answer = await f.call('POST', '/v1/events', {
        key,
        raw: 'agent_id=a',
        headers: { 'content-type': type },
      });
      expectError(answer, 415, 'INVALID_INPUT', 'content-type');
    }
  });

  it('a body over the limit → 413 on field body, before it is read in full', async () => {
    const answer = await f.call('POST', '/v1/events', {
      key,
      json: {
        agent_id: 'agent-1',
        event_type: 'agent.step.completed',
        data: { pad: 'x'.repeat(BODY_LIMIT) },
      },
    });
    expectError(answer, 413, 'PAYLOAD_TOO_LARGE', 'body');
  });

  it('unknown fields → 400 naming the field; extra fields inside data are kept', async () => {
    const top = await f.call('POST', '/v1/events', {
      key,
      json: { agent_id: 'agent-1', event_type: 'agent.step.completed', data: step, agentId: 'x' },
    });
    expectError(top, 400, 'INVALID_INPUT', 'agentId');
    const endpoint = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: 'http://127.0.0.1:9/u', event_types: ['*'], eventTypes: ['*'] },
    });
    expectError(endpoint, 400, 'INVALID_INPUT', 'eventTypes');
    const query = await f.call('GET', '/v1/deliveries?statuss=failed', { key });
    expectError(query, 400, 'INVALID_INPUT', 'statuss');
    const kept = await f.call('POST', '/v1/events', {
      key,
      json: {
        agent_id: 'agent-1',
        event_type: 'agent.step.completed',
        data: { ...step, added_by_newer_letta: { nested: true } },
      },
    });
    expect(kept.status).toBe(202);
  });

  it('malformed query values → 400 naming the parameter', async () => {
    expectError(
      await f.call('GET', '/v1/endpoints?limit=lots', { key }),
      400,
      'INVALID_INPUT',
      'limit',
    );
    expectError(
      await f.call('GET', '/v1/endpoints?limit=501', { key }),
      400,
      'INVALID_INPUT',
      'limit',
    );
    expectError(
      await f.call('GET', '/v1/endpoints?enabled=maybe', { key }),
      400,
      'INVALID_INPUT',
      'enabled',
    );
    expectError(
      await f.call('GET', '/v1/deliveries?since=yesterday', { key }),
      400,
      'INVALID_INPUT',
      'since',
    );
    expectError(
      await f.call('GET', '/v1/deliveries?cursor=garbage', { key }),
      400,
      'INVALID_INPUT',
      'cursor',
    );
  });

  it('a huge query string or header → 431 with the error shape, the server unharmed', async () => {
    const query = await f.call('GET', `/v1/endpoints?cursor=${'a'.repeat(100_000)}`, { key });
    expectError(query, 431, 'INVALID_INPUT', 'headers');
    const header = await f.call('GET', '/v1/endpoints', {
      key,
      headers: { 'x-padding': 'p'.repeat(100_000) },
    });
    expectError(header, 431, 'INVALID_INPUT', 'headers');
    expect((await f.call('GET', '/healthz')).status).toBe(200);
  });
});
