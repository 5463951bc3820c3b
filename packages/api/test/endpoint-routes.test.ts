import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { waitFor } from '../../../test/support/harness.js';
import type { Receiver } from '../../../test/support/receiver.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let receiver: Receiver;
let key: string;

beforeAll(async () => {
  f = await startApiFixture(
    { WEBHOOK_API_TEST_WAIT_MS: '5000', WEBHOOK_MAX_ATTEMPTS: '3' },
    { deliver: true },
  );
  receiver = f.receiver;
  key = await f.keyFor('org-e');
});

afterAll(async () => {
  await f.close();
});

// Independent of the code under test: Standard Webhooks content, HMAC-SHA256, base64.
function expectedSignature(secret: string, id: string, timestamp: string, body: Buffer): string {
  const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return createHmac('sha256', keyBytes)
    .update(`${id}.${timestamp}.${body.toString()}`)
    .digest('base64');
}

describe('endpoint routes', () => {
  it('create answers 201 with the secret once, never again in reads', async () => {
    const created = await f.call('POST', '/v1/endpoints', {
      key,
      json: {
        url: receiver.url('/create'),
        event_types: ['agent.*', 'agent.*'],
        agent_id: 'agent-1',
        description: 'primary',
        metadata: { team: 'ops', camelKey: 'kept' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toEqual({
      id: expect.stringMatching(/^ep_/),
      organization_id: 'org-e',
      agent_id: 'agent-1',
      url: receiver.url('/create'),
      description: 'primary',
      event_types: ['agent.*'],
      enabled: true,
      disabled_reason: null,
      metadata: { team: 'ops', camelKey: 'kept' },
      kind: 'subscription',
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
      secret: expect.stringMatching(/^whsec_/),
    });
    const id = created.body.id as string;

    const got = await f.call('GET', `/v1/endpoints/${id}`, { key });
    expect(got.status).toBe(200);
    const withoutSecret = { ...created.body } as Record<string, unknown>;
    delete withoutSecret.secret;
    expect(got.body).toEqual(withoutSecret);
    expect(got.text).not.toContain('whsec_');

    const revealed = await f.call('GET', `/v1/endpoints/${id}/reveal-secret`, { key });
    expect(revealed.status).toBe(200);
    expect(revealed.headers['cache-control']).toBe('no-store');
    expect(revealed.body).toEqual({ secret: created.body.secret });
  });

  it('lists with the library filters and cursor pagination', async () => {
    const org = await f.keyFor('org-list');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await f.call('POST', '/v1/endpoints', {
        key: org,
        json: { url: receiver.url(`/list${i}`), event_types: ['*'] },
      });
      ids.push(created.body.id as string);
    }
    await f.call('POST', `/v1/endpoints/${ids[1] ?? ''}/disable`, { key: org });
    const first = await f.call('GET', '/v1/endpoints?limit=2', { key: org });
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await f.call(
      'GET',
      `/v1/endpoints?limit=2&cursor=${encodeURIComponent(first.body.next_cursor as string)}`,
      { key: org },
    );
    expect(second.body).toEqual({
      data: [expect.objectContaining({ id: ids[2] })],
      next_cursor: null,
    });
    const enabled = await f.call('GET', '/v1/endpoints?enabled=false', { key: org });
    expect(enabled.body.data.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
    // A key sees only its organization: naming another finds nothing.
    const other = await f.call('GET', '/v1/endpoints?organization_id=org-e', { key: org });
    expect(other.body).toEqual({ data: [], next_cursor: null });
    // An admin key sees every organization and may filter.
    const admin = await f.call('GET', '/v1/endpoints?organization_id=org-list', {
      key: f.adminKey,
    });
    expect(admin.body.data).toHaveLength(3);
  });

  it('updates, disables with a reason, enables, rotates with overlap, reports health, deletes', async () => {
    const created = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: receiver.url('/life'), event_types: ['*'] },
    });
    const id = created.body.id as string;

    const patched = await f.call('PATCH', `/v1/endpoints/${id}`, {
      key,
      json: { event_types: ['agent.run.completed'], description: 'runs only' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      event_types: ['agent.run.completed'],
      description: 'runs only',
    });

    const disabled = await f.call('POST', `/v1/endpoints/${id}/disable`, {
      key,
      json: { reason: 'maintenance window' },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: 'maintenance window' });
    const health = await f.call('GET', `/v1/endpoints/${id}/health`, { key });
    expect(health.body).toEqual({
      endpoint_id: id,
      enabled: false,
      disabled_reason: 'maintenance window',
      disabled_at: expect.stringMatching(/Z$/),
      last_success_at: null,
      last_failure_at: null,
      failing_since: null,
      consecutive_failures: 0,
    });
    const enabled = await f.call('POST', `/v1/endpoints/${id}/enable`, { key });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });

    const rotated = await f.call('POST', `/v1/endpoints/${id}/rotate-secret`, {
      key,
      json: { overlap_ms: 60_000 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(Date.parse(rotated.body.previous_valid_until as string)).toBeGreaterThan(Date.now());
    const revoked = await f.call('POST', `/v1/endpoints/${id}/rotate-secret`, { key });
    expect(revoked.body.previous_valid_until).toEqual(expect.any(String));

    const deleted = await f.call('DELETE', `/v1/endpoints/${id}`, { key });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await f.call('GET', `/v1/endpoints/${id}`, { key })).status).toBe(404);
    expect((await f.call('DELETE', `/v1/endpoints/${id}`, { key })).status).toBe(404);
  });

  it('sends a test event to that endpoint only and answers with its first attempt', async () => {
    const created = await f.call('POST', '/v1/endpoints', {
      key,
      // Subscribed to another type: a test event is sent whatever the subscription.
      json: { url: receiver.url('/test'), event_types: ['agent.job.completed'] },
    });
    const other = await f.call('POST', '/v1/endpoints', {
      key,
      json: { url: receiver.url('/bystander'), event_types: ['*'] },
    });
    expect(other.status).toBe(201);
    const id = created.body.id as string;
    const answer = await f.call('POST', `/v1/endpoints/${id}/test`, {
      key,
      json: { event_type: 'agent.tool.attached' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      event_id: expect.stringMatching(/^evt_/),
      delivery_id: expect.stringMatching(/^dlv_/),
      endpoint_id: id,
      event_type: 'agent.tool.attached',
      attempt: expect.objectContaining({
        attempt_number: 1,
        trigger: 'test',
        outcome: 'succeeded',
        status_code: 200,
      }),
    });
    const [received] = receiver.requestsTo('/test');
    expect(received).toBeDefined();
    const body = received?.body ?? Buffer.alloc(0);
    expect(JSON.parse(body.toString())).toMatchObject({
      event_id: answer.body.event_id,
      event_type: 'agent.tool.attached',
      organization_id: 'org-e',
      data: EXAMPLE_EVENT_DATA['agent.tool.attached'],
    });
    const timestamp = String(received?.headers['webhook-timestamp']);
    expect(received?.headers['webhook-signature']).toBe(
      `v1,${expectedSignature(created.body.secret as string, answer.body.event_id as string, timestamp, body)}`,
    );
    expect(receiver.requestsTo('/bystander')).toHaveLength(0);

    const delivery = await f.call('GET', `/v1/deliveries/${answer.body.delivery_id as string}`, {
      key,
    });
    expect(delivery.body).toMatchObject({ status: 'succeeded', attempts: [{ trigger: 'test' }] });
  });

  it('recovers failed deliveries since a time', async () => {
    const created = await f.call('POST', '/v1/endpoints', {
      key,
      json: {
        url: receiver.url('/recover'),
        event_types: ['agent.run.completed'],
        agent_id: 'agent-r',
      },
    });
    const id = created.body.id as string;
    receiver.respond((request) =>
      request.path === '/recover' ? { status: 500, body: 'down' } : { status: 200 },
    );
    const settled = f.worker.worker;
    const published = await f.postEvent(key, 'agent-r', 'agent.run.completed');
    expect(published.status).toBe(202);
    const deliveryId = (
      published.body.deliveries as { delivery_id: string; endpoint_id: string }[]
    ).find((d) => d.endpoint_id === id)?.delivery_id;
    await waitFor(
      async () => {
        const d = await f.call('GET', `/v1/deliveries/${deliveryId ?? ''}`, { key });
        return d.body.status === 'failed' ? true : undefined;
      },
      { what: 'the delivery to fail for good' },
    );
    expect(settled.isRunning()).toBe(true);
    receiver.respond(() => ({ status: 200 }));
    const since = new Date(Date.now() - 60_000).toISOString();
    const recovered = await f.call('POST', `/v1/endpoints/${id}/recover`, { key, json: { since } });
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ enqueued: 1 });
    await waitFor(
      async () => {
        const d = await f.call('GET', `/v1/deliveries/${deliveryId ?? ''}`, { key });
        return d.body.status === 'succeeded' ? true : undefined;
      },
      { what: 'the recovered delivery' },
    );
  });
});
