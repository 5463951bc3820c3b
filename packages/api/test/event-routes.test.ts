import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_TYPES, EXAMPLE_EVENT_DATA, eventDataSchemas } from '@letta-webhooks/shared';
import { waitFor } from '../../../test/support/harness.js';
import type { Receiver } from '../../../test/support/receiver.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let receiver: Receiver;
let key: string;
let endpointId: string;

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

async function settled(deliveryId: string, asKey = key): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const answer = await f.call('GET', `/v1/deliveries/${deliveryId}`, { key: asKey });
      return answer.status === 200 && answer.body.status !== 'pending' ? answer.body : undefined;
    },
    { what: `delivery ${deliveryId} to settle` },
  );
}

beforeAll(async () => {
  f = await startApiFixture({}, { deliver: true });
  receiver = f.receiver;
  key = await f.keyFor('org-ev');
  const created = await f.call('POST', '/v1/endpoints', {
    key,
    json: { url: receiver.url('/events'), event_types: ['*'] },
  });
  endpointId = created.body.id as string;
});

afterAll(async () => {
  await f.close();
});

describe('event ingest', () => {
  it('POST /v1/events answers 202 with the event id and its deliveries, and the envelope arrives', async () => {
    const answer = await f.call('POST', '/v1/events', {
      key,
      json: {
        agent_id: 'agent-7',
        event_type: 'agent.step.completed',
        data: { ...step, added_by_newer_letta: { nested: [1, 2] } },
        occurred_at: '2026-01-01T12:00:00+02:00',
      },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      event_id: expect.stringMatching(/^evt_/),
      deliveries: [{ delivery_id: expect.stringMatching(/^dlv_/), endpoint_id: endpointId }],
    });
    const delivery = await settled(answer.body.deliveries[0].delivery_id as string);
    expect(delivery).toMatchObject({ status: 'succeeded', event_type: 'agent.step.completed' });
    const envelope = JSON.parse(String(delivery.body)) as Record<string, unknown>;
    expect(envelope).toEqual({
      event_id: answer.body.event_id,
      event_type: 'agent.step.completed',
      timestamp: '2026-01-01T10:00:00.000Z',
      agent_id: 'agent-7',
      organization_id: 'org-ev',
      data: { ...step, added_by_newer_letta: { nested: [1, 2] } },
    });
    const received = receiver.requests.find(
      (r) => r.headers['webhook-id'] === answer.body.event_id,
    );
    expect(received?.body.toString()).toBe(delivery.body);
  });

  it('POST /v1/events/batch publishes many, answers in order', async () => {
    const answer = await f.call('POST', '/v1/events/batch', {
      key,
      json: {
        events: EVENT_TYPES.map((eventType) => ({
          agent_id: 'agent-batch',
          event_type: eventType,
          data: EXAMPLE_EVENT_DATA[eventType],
        })),
      },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.data).toHaveLength(EVENT_TYPES.length);
    for (const result of answer.body.data as { deliveries: { delivery_id: string }[] }[]) {
      expect(result.deliveries).toHaveLength(1);
      expect(await settled(result.deliveries[0]?.delivery_id ?? '')).toMatchObject({
        status: 'succeeded',
      });
    }
  });

  it('an event no endpoint wants answers 202 with no deliveries', async () => {
    const other = await f.keyFor('org-quiet');
    const answer = await f.call('POST', '/v1/events', {
      key: other,
      json: { agent_id: 'agent-1', event_type: 'agent.step.completed', data: step },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.deliveries).toEqual([]);
  });
});

describe('delivery log', () => {
  it('lists with the library filters, gets one with its attempts, resends it', async () => {
    receiver.respond((request) =>
      request.path === '/events' ? { status: 500, body: 'nope' } : { status: 200 },
    );
    const failing = await f.postEvent(key, 'agent-log', 'agent.run.completed');
    const deliveryId = failing.body.deliveries[0].delivery_id as string;
    await waitFor(
      async () => {
        const d = await f.call('GET', `/v1/deliveries/${deliveryId}`, { key });
        return (d.body?.attempts?.length ?? 0) >= 1 ? true : undefined;
      },
      { what: 'a failed attempt' },
    );
    receiver.respond(() => ({ status: 200 }));

    const listed = await f.call(
      'GET',
      `/v1/deliveries?agent_id=agent-log&event_type=agent.run.completed&endpoint_id=${endpointId}&limit=10`,
      { key },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((d: { id: string }) => d.id)).toEqual([deliveryId]);
    const since = await f.call(
      'GET',
      `/v1/deliveries?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { key },
    );
    expect(since.body.data).toEqual([]);
    const page = await f.call('GET', '/v1/deliveries?limit=1', { key });
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await f.call(
      'GET',
      `/v1/deliveries?limit=1&cursor=${encodeURIComponent(page.body.next_cursor as string)}`,
      { key },
    );
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);

    const detail = await f.call('GET', `/v1/deliveries/${deliveryId}`, { key });
    expect(detail.body.attempts[0]).toEqual({
      attempt_number: 1,
      trigger: 'scheduled',
      outcome: 'retryable',
      status_code: 500,
      error_kind: 'http_status',
      error_message: expect.any(String),
      response_excerpt: 'nope',
      response_truncated: false,
      started_at: expect.stringMatching(/Z$/),
      duration_ms: expect.any(Number),
    });

    const done = await settled(deliveryId);
    expect(done.status).toBe('succeeded');
    const resent = await f.call('POST', `/v1/deliveries/${deliveryId}/resend`, { key });
    expect(resent.status).toBe(202);
    expect(resent.body).toEqual({ delivery_id: deliveryId });
    await waitFor(
      async () => {
        const d = await f.call('GET', `/v1/deliveries/${deliveryId}`, { key });
        return d.body.attempts.some((a: { trigger: string }) => a.trigger === 'manual')
          ? true
          : undefined;
      },
      { what: 'the manual resend attempt' },
    );
  });
});

describe('event replay', () => {
  it('POST /v1/events/{id}/replay sends it again to the endpoints that had it, and first to those added since', async () => {
    const replayKey = await f.keyFor('org-replay');
    const first = await f.call('POST', '/v1/endpoints', {
      key: replayKey,
      json: { url: receiver.url('/replay-first'), event_types: ['agent.tool.attached'] },
    });
    const published = await f.postEvent(replayKey, 'agent-replay', 'agent.tool.attached');
    const eventId = published.body.event_id as string;
    const [original] = published.body.deliveries as { delivery_id: string }[];
    expect(await settled(original?.delivery_id ?? '', replayKey)).toMatchObject({
      status: 'succeeded',
    });
    const later = await f.call('POST', '/v1/endpoints', {
      key: replayKey,
      json: { url: receiver.url('/replay-later'), event_types: ['agent.*'] },
    });

    // Another organization's key finds nothing, exactly like an unknown id.
    const foreign = await f.call('POST', `/v1/events/${eventId}/replay`, { key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'event_id' });
    expect(receiver.requestsTo('/replay-first')).toHaveLength(1);

    const replayed = await f.call('POST', `/v1/events/${eventId}/replay`, { key: replayKey });
    expect(replayed.status).toBe(202);
    expect(replayed.body.event_id).toBe(eventId);
    expect(
      [...(replayed.body.deliveries as { endpoint_id: string }[])].sort((a, b) =>
        a.endpoint_id.localeCompare(b.endpoint_id),
      ),
    ).toEqual(
      [
        { delivery_id: original?.delivery_id, endpoint_id: first.body.id },
        { delivery_id: expect.stringMatching(/^dlv_/), endpoint_id: later.body.id },
      ].sort((a, b) => String(a.endpoint_id).localeCompare(String(b.endpoint_id))),
    );
    await waitFor(
      () =>
        receiver.requestsTo('/replay-first').length === 2 &&
        receiver.requestsTo('/replay-later').length === 1
          ? true
          : undefined,
      { what: 'the replayed event at both endpoints' },
    );
    const bodies = [
      ...receiver.requestsTo('/replay-first'),
      ...receiver.requestsTo('/replay-later'),
    ].map((r) => r.body.toString());
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] ?? '{}')).toMatchObject({ event_id: eventId });
    // The attempt is recorded after the receiver answered (group commit): wait for its row.
    const triggers = await waitFor(async () => {
      const detail = await f.call('GET', `/v1/deliveries/${original?.delivery_id}`, {
        key: replayKey,
      });
      const seen = (detail.body.attempts as { trigger: string }[]).map((a) => a.trigger);
      return seen.length === 2 ? seen : undefined;
    });
    expect(triggers).toEqual(['scheduled', 'manual']);
    // An admin key names the event's organization (event ids are unique per organization).
    const unnamed = await f.call('POST', `/v1/events/${eventId}/replay`, { key: f.adminKey });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'organization_id' });
    const byAdmin = await f.call('POST', `/v1/events/${eventId}/replay`, {
      key: f.adminKey,
      json: { organization_id: 'org-replay' },
    });
    expect(byAdmin.status).toBe(202);
    expect(byAdmin.body.event_id).toBe(eventId);
  });
});

describe('event ids', () => {
  it('are unique per organization: two organizations use one id, each its own event; a repeat delivers nothing twice', async () => {
    const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
    const shared = 'evt_used-by-two-organizations';
    const organizations = ['a', 'b'] as const;
    const keys = { a: await f.keyFor('org-ids-a'), b: await f.keyFor('org-ids-b') };
    const endpoints: Record<string, string> = {};
    const published: Record<string, { event_id: string; deliveries: unknown[] }> = {};
    for (const org of organizations) {
      const created = await f.call('POST', '/v1/endpoints', {
        key: keys[org],
        json: { url: receiver.url(`/ids-${org}`), event_types: ['agent.run.completed'] },
      });
      endpoints[org] = created.body.id as string;
    }
    const event = (org: string) => ({
      agent_id: 'agent-ids',
      event_type: 'agent.run.completed',
      event_id: shared,
      data: { ...run, metadata: { organization: org } },
    });
    for (const org of organizations) {
      const answer = await f.call('POST', '/v1/events', { key: keys[org], json: event(org) });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({
        event_id: shared,
        deliveries: [{ delivery_id: expect.stringMatching(/^dlv_/), endpoint_id: endpoints[org] }],
      });
      published[org] = answer.body;
    }
    // The same event again answers the same and creates nothing.
    const again = await f.call('POST', '/v1/events', { key: keys.a, json: event('a') });
    expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: published.a });

    for (const org of organizations) {
      const [delivery] = published[org]?.deliveries as { delivery_id: string }[];
      expect(await settled(delivery?.delivery_id ?? '', keys[org])).toMatchObject({
        status: 'succeeded',
      });
      const listed = await f.call('GET', `/v1/deliveries?endpoint_id=${endpoints[org]}`, {
        key: keys[org],
      });
      expect(listed.body.data).toHaveLength(1);
      const received = receiver.requestsTo(`/ids-${org}`);
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]?.body.toString() ?? '{}')).toMatchObject({
        event_id: shared,
        organization_id: `org-ids-${org}`,
        data: { metadata: { organization: org } },
      });
    }
    // In a batch, a reused id with another event is refused by name; the others are published.
    const batch = await f.call('POST', '/v1/events/batch', {
      key: keys.a,
      json: {
        events: [
          { ...event('a'), event_id: 'evt_batch-neighbour' },
          { ...event('a'), data: { ...run, metadata: { organization: 'changed' } } },
        ],
      },
    });
    expect(batch.status).toBe(409);
    expect(batch.body.error).toMatchObject({ code: 'CONFLICT', field: 'events.1.event_id' });
    const logged = await f.call('GET', `/v1/deliveries?endpoint_id=${endpoints.a}`, {
      key: keys.a,
    });
    expect(logged.body.data.map((d: { event_id: string }) => d.event_id).sort()).toEqual([
      'evt_batch-neighbour',
      shared,
    ]);
    // An admin replays one organization's event by naming it.
    const replayed = await f.call('POST', `/v1/events/${shared}/replay`, {
      key: f.adminKey,
      json: { organization_id: 'org-ids-b' },
    });
    expect(replayed.status).toBe(202);
    expect(replayed.body.deliveries).toEqual(published.b?.deliveries);
  });
});

describe('event catalogue', () => {
  it('GET /v1/event-types lists every type with a JSON Schema of its data and a valid example', async () => {
    const answer = await f.call('GET', '/v1/event-types', { key });
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((t: { event_type: string }) => t.event_type)).toEqual(EVENT_TYPES);
    for (const entry of answer.body.data as {
      event_type: keyof typeof eventDataSchemas;
      schema: Record<string, unknown>;
      example: unknown;
    }[]) {
      expect(entry.schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
      });
      expect(eventDataSchemas[entry.event_type].safeParse(entry.example).success).toBe(true);
    }
  });
});
