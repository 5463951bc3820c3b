import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { waitFor } from '../../../test/support/harness.js';
import type { Receiver } from '../../../test/support/receiver.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

const KEY_CACHE_TTL_MS = 300;

let f: ApiFixture;
let receiver: Receiver;
let keyA: string;
let keyB: string;
// Records of organization B that A's key must not see.
let endpointB: string;
let deliveryB: string;
let eventB: string;

beforeAll(async () => {
  f = await startApiFixture(
    { WEBHOOK_API_KEY_CACHE_TTL_MS: String(KEY_CACHE_TTL_MS) },
    { deliver: true },
  );
  receiver = f.receiver;
  keyA = await f.keyFor('org-a');
  keyB = await f.keyFor('org-b');
  const created = await f.call('POST', '/v1/endpoints', {
    key: keyB,
    json: { url: receiver.url('/b'), event_types: ['*'] },
  });
  endpointB = created.body.id as string;
  const published = await f.call('POST', '/v1/events', {
    key: keyB,
    json: {
      agent_id: 'agent-b',
      event_type: 'agent.step.completed',
      data: EXAMPLE_EVENT_DATA['agent.step.completed'],
    },
  });
  eventB = published.body.event_id as string;
  deliveryB = published.body.deliveries[0].delivery_id as string;
  // The records exist (and are B's) before A tries them.
  await waitFor(
    async () =>
      (await f.call('GET', `/v1/deliveries/${deliveryB}`, { key: keyB })).body.status ===
      'succeeded'
        ? true
        : undefined,
    { what: "B's delivery" },
  );
});

afterAll(async () => {
  await f.close();
});

describe('API keys', () => {
  it('refuses a request without a key, with a malformed one, or an unknown one: 401 and WWW-Authenticate', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer not-a-key' },
      { authorization: `Bearer lwk_${'A'.repeat(43)}` },
      { authorization: `Bearer ${keyA}x` },
    ];
    for (const headers of cases) {
      const answer = await f.call('GET', '/v1/endpoints', { headers });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.body).toEqual({
        error: { code: 'UNAUTHORIZED', field: 'authorization', message: expect.any(String) },
      });
    }
  });

  it('checks the key before reading the body: no key and a bad body is still 401', async () => {
    const answer = await f.call('POST', '/v1/events', {
      raw: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(401);
  });

  it('stores only a SHA-256 of the key, and a revoked key stops working within the cache TTL', async () => {
    const created = await f.keys.create({ organizationId: 'org-r', name: 'to revoke' });
    const row = await f.ctx.db
      .selectFrom('webhook_api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash.toString('hex')).not.toContain(Buffer.from(created.key).toString('hex'));
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));
    expect(created.key).toMatch(/^lwk_[A-Za-z0-9_-]{43}$/);

    expect((await f.call('GET', '/v1/endpoints', { key: created.key })).status).toBe(200);
    await f.keys.revoke(created.id);
    const status = await waitFor(
      async () => {
        const answer = await f.call('GET', '/v1/endpoints', { key: created.key });
        return answer.status === 200 ? undefined : answer.status;
      },
      { timeoutMs: KEY_CACHE_TTL_MS + 1_000, what: 'the revoked key to be refused' },
    );
    expect(status).toBe(401);
  });

  it('never lets the key cache TTL exceed 5 s', () => {
    expect(() => f.ctx.withSettings({ WEBHOOK_API_KEY_CACHE_TTL_MS: '5001' })).toThrow(
      /WEBHOOK_API_KEY_CACHE_TTL_MS/,
    );
    expect(f.ctx.withSettings({}).api.keyCacheTtlMs).toBeLessThanOrEqual(5_000);
  });
});

describe('organization scope', () => {
  it("answers 404 — never 403 — for another organization's ids, on every route that takes one", async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', `/v1/endpoints/${endpointB}`],
      ['PATCH', `/v1/endpoints/${endpointB}`, { description: 'mine now' }],
      ['DELETE', `/v1/endpoints/${endpointB}`],
      ['POST', `/v1/endpoints/${endpointB}/rotate-secret`, {}],
      ['POST', `/v1/endpoints/${endpointB}/disable`, {}],
      ['POST', `/v1/endpoints/${endpointB}/enable`],
      ['GET', `/v1/endpoints/${endpointB}/health`],
      ['GET', `/v1/endpoints/${endpointB}/reveal-secret`],
      ['POST', `/v1/endpoints/${endpointB}/test`, {}],
      ['POST', `/v1/endpoints/${endpointB}/recover`, { since: '2026-01-01T00:00:00Z' }],
      ['GET', `/v1/deliveries/${deliveryB}`],
      ['POST', `/v1/deliveries/${deliveryB}/resend`],
      ['POST', `/v1/events/${eventB}/replay`],
    ];
    for (const [method, path, json] of routes) {
      const foreign = await f.call(method, path, {
        key: keyA,
        ...(json === undefined ? {} : { json }),
      });
      const missing = await f.call(method, path.replace(/(ep|dlv|evt)_[A-Z0-9]+/, '$1_MISSING'), {
        key: keyA,
        ...(json === undefined ? {} : { json }),
      });
      expect({ method, path, status: foreign.status, code: foreign.body?.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: 'NOT_FOUND',
      });
      // Indistinguishable from an id that does not exist: no existence oracle.
      expect(foreign.body).toEqual({
        error: { ...missing.body.error, message: foreign.body.error.message },
      });
    }
    // Nothing was changed by any of those.
    const still = await f.call('GET', `/v1/endpoints/${endpointB}`, { key: keyB });
    expect(still.body).toMatchObject({ enabled: true, description: '' });
  });

  it("lists only the key's own organization", async () => {
    const endpoints = await f.call('GET', '/v1/endpoints', { key: keyA });
    expect(endpoints.body.data).toEqual([]);
    const deliveries = await f.call('GET', `/v1/deliveries?organization_id=org-b`, { key: keyA });
    expect(deliveries.body).toEqual({ data: [], next_cursor: null });
    const own = await f.call('GET', '/v1/deliveries', { key: keyB });
    expect(own.body.data.map((d: { id: string }) => d.id)).toEqual([deliveryB]);
  });

  it('refuses to act for another organization; an admin key must name one', async () => {
    const publish = await f.call('POST', '/v1/events', {
      key: keyA,
      json: {
        agent_id: 'agent-a',
        organization_id: 'org-b',
        event_type: 'agent.step.completed',
        data: EXAMPLE_EVENT_DATA['agent.step.completed'],
      },
    });
    expect(publish.status).toBe(400);
    expect(publish.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'organization_id' });

    const adminWithout = await f.call('POST', '/v1/endpoints', {
      key: f.adminKey,
      json: { url: 'http://127.0.0.1:9/x', event_types: ['*'] },
    });
    expect(adminWithout.status).toBe(400);
    expect(adminWithout.body.error).toMatchObject({ field: 'organization_id' });

    const adminWith = await f.call('POST', '/v1/endpoints', {
      key: f.adminKey,
      json: { url: 'http://127.0.0.1:9/x', event_types: ['*'], organization_id: 'org-c' },
    });
    expect(adminWith.status).toBe(201);
    expect(adminWith.body.organization_id).toBe('org-c');
    // The admin key sees across organizations.
    const adminGet = await f.call('GET', `/v1/endpoints/${endpointB}`, { key: f.adminKey });
    expect(adminGet.status).toBe(200);
  });
});
