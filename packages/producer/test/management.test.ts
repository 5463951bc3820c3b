import { describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, verifyWebhook } from '@letta-webhooks/shared';
import { Webhook } from 'standardwebhooks';
import { STEP as step, useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { rejection } from '../../../test/support/errors.js';
import { waitFor } from '../../../test/support/harness.js';
import type { ReceivedRequest } from '../../../test/support/receiver.js';

const f = useDeliveryFixture();
const { startWorker, endpointFor, publish, deliveryIn } = f;

function standardHeaders(request: ReceivedRequest) {
  return {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
}

describe('secret rotation on the wire', () => {
  it('signs with old and new secret during the overlap, only the new one after a revoke', async () => {
    const endpoint = await endpointFor('agent-rotate');
    const oldSecret = endpoint.secret;
    const { secret: newSecret } = await f.producer.rotateEndpointSecret(endpoint.id);
    startWorker();
    const during = await publish('agent-rotate');
    await deliveryIn(during.deliveryId, ['succeeded']);
    const [overlap] = f.receiver.requestsTo(endpoint.path);
    if (!overlap) throw new Error('nothing received');
    expect(String(overlap.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(String(overlap.headers['x-letta-signature']).split(' ')).toHaveLength(2);
    // A receiver holding only one of the two secrets verifies, with either library.
    expect(() =>
      new Webhook(oldSecret).verify(overlap.body.toString(), standardHeaders(overlap)),
    ).not.toThrow();
    expect(() =>
      new Webhook(newSecret).verify(overlap.body.toString(), standardHeaders(overlap)),
    ).not.toThrow();
    expect(verifyWebhook(overlap.body, overlap.headers, oldSecret).event_id).toBe(during.eventId);
    expect(verifyWebhook(overlap.body, overlap.headers, newSecret).event_id).toBe(during.eventId);

    const { secret: newest } = await f.producer.rotateEndpointSecret(endpoint.id, { overlapMs: 0 });
    const after = await publish('agent-rotate');
    await deliveryIn(after.deliveryId, ['succeeded']);
    const last = f.receiver.requestsTo(endpoint.path).at(-1);
    if (!last) throw new Error('nothing received');
    expect(String(last.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() =>
      new Webhook(newest).verify(last.body.toString(), standardHeaders(last)),
    ).not.toThrow();
    expect(() =>
      new Webhook(newSecret).verify(last.body.toString(), standardHeaders(last)),
    ).toThrow();
  });
});

describe('endpoint health', () => {
  it('counts failures, resets on success, and reports both', async () => {
    const endpoint = await endpointFor('agent-health');
    f.receiver.respond((req, index) =>
      req.path === endpoint.path && index < 2 ? { status: 500 } : { status: 200 },
    );
    startWorker();
    const { deliveryId } = await publish('agent-health');
    await waitFor(async () =>
      (await f.producer.getEndpointHealth(endpoint.id)).consecutiveFailures === 2
        ? true
        : undefined,
    );
    const failing = await f.producer.getEndpointHealth(endpoint.id);
    expect(failing.failingSince).toBeInstanceOf(Date);
    expect(failing.lastFailureAt).toBeInstanceOf(Date);
    await deliveryIn(deliveryId, ['succeeded']);
    expect(await f.producer.getEndpointHealth(endpoint.id)).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      failingSince: null,
      lastSuccessAt: expect.any(Date),
    });
  });

  it('disables an endpoint that has only failed for longer than the window, cancelling what is queued', async () => {
    const endpoint = await endpointFor('agent-dying');
    f.receiver.respond((req) => (req.path === endpoint.path ? { status: 500 } : { status: 200 }));
    const settings = f.ctx.withSettings({
      WEBHOOK_DISABLE_AFTER_FAILING_MS: '1',
      WEBHOOK_WORKER_CONCURRENCY: '1',
    });
    const first = await publish('agent-dying');
    startWorker(settings);
    const settled = await deliveryIn(first.deliveryId, ['failed', 'cancelled']);
    expect(settled.status).toBe('cancelled');
    const health = await f.producer.getEndpointHealth(endpoint.id);
    expect(health).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/^failing since .* with no success$/),
    });
    expect(health.consecutiveFailures).toBeGreaterThanOrEqual(2);
    const requests = f.receiver.requestsTo(endpoint.path).length;
    expect(
      (await f.producer.publishEvent('agent-dying', 'agent.step.completed', step)).deliveries,
    ).toEqual([]);
    expect(f.receiver.requestsTo(endpoint.path)).toHaveLength(requests);
  });

  it('disabling or deleting an endpoint cancels its pending deliveries and removes their jobs', async () => {
    const settings = f.ctx.withSettings({
      WEBHOOK_BACKOFF_BASE_MS: '60000',
      WEBHOOK_BACKOFF_MAX_MS: '60000',
    });
    const slow = createProducer({ settings });
    try {
      for (const action of ['disable', 'delete'] as const) {
        const endpoint = await endpointFor(`agent-${action}`);
        f.receiver.respond((req) =>
          req.path === endpoint.path ? { status: 503 } : { status: 200 },
        );
        const worker = startWorker(settings);
        const { deliveryId } = await publish(`agent-${action}`, slow);
        const pending = await deliveryIn(deliveryId, ['pending']);
        await waitFor(async () => ((await f.queue.getJob(deliveryId))?.delay ? true : undefined));
        expect(pending.attempts.length).toBeLessThanOrEqual(1);
        if (action === 'disable') await f.producer.disableEndpoint(endpoint.id, 'maintenance');
        else await f.producer.deleteEndpoint(endpoint.id);
        const cancelled = await deliveryIn(deliveryId, ['cancelled']);
        expect(cancelled.lastError).toMatch(
          action === 'disable' ? /disabled: maintenance/ : /deleted/,
        );
        expect(await f.queue.getJob(deliveryId)).toBeUndefined();
        await worker.close();
      }
    } finally {
      await slow.close();
    }
  });
});

describe('delivery log', () => {
  it('lists by endpoint, status, event type and time range, a page at a time, and shows attempts', async () => {
    const endpoint = await endpointFor('agent-log');
    f.receiver.respond((req, index) =>
      req.path === endpoint.path && index === 0 ? { status: 500 } : { status: 200 },
    );
    startWorker();
    const started = new Date(Date.now() - 1000);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await publish('agent-log')).deliveryId);
    const run = await f.producer.publishEvent(
      'agent-log',
      'agent.run.completed',
      EXAMPLE_EVENT_DATA['agent.run.completed'],
    );
    for (const id of [...ids, run.deliveries[0]?.deliveryId ?? ''])
      await deliveryIn(id, ['succeeded']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.producer.listDeliveries({
        endpointId: endpoint.id,
        limit: 4,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.data.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids, run.deliveries[0]?.deliveryId].sort());

    const runs = await f.producer.listDeliveries({
      agentId: 'agent-log',
      eventType: 'agent.run.completed',
    });
    expect(runs.data.map((d) => d.id)).toEqual([run.deliveries[0]?.deliveryId]);
    expect(
      (await f.producer.listDeliveries({ endpointId: endpoint.id, status: 'failed' })).data,
    ).toEqual([]);
    expect(
      (await f.producer.listDeliveries({ organizationId: 'org-a', since: started })).data.length,
    ).toBeGreaterThanOrEqual(6);
    expect(
      (await f.producer.listDeliveries({ endpointId: endpoint.id, until: started })).data,
    ).toEqual([]);

    // Whichever delivery reached the receiver first got the 500.
    const all = await Promise.all(
      [...ids, run.deliveries[0]?.deliveryId ?? ''].map((id) => f.producer.getDelivery(id)),
    );
    const retried = all.find((d) => d?.attemptCount === 2);
    expect(retried?.attempts.map((a) => [a.attemptNumber, a.statusCode, a.trigger])).toEqual([
      [1, 500, 'scheduled'],
      [2, 200, 'scheduled'],
    ]);
    expect(JSON.parse(retried?.body ?? '{}')).toMatchObject({ agent_id: 'agent-log', data: step });
    expect(await f.producer.getDelivery('dlv_nope')).toBeUndefined();
  });
});

describe('replay', () => {
  it('resends a delivery with the same event id and body, a fresh signature, recorded as manual', async () => {
    const endpoint = await endpointFor('agent-resend');
    startWorker();
    const { eventId, deliveryId } = await publish('agent-resend');
    await deliveryIn(deliveryId, ['succeeded']);
    // The completed job is gone from Redis; the resend works from Postgres.
    expect(await f.queue.getJob(deliveryId)).toBeUndefined();
    await f.producer.resendDelivery(deliveryId);
    await waitFor(() => (f.receiver.requestsTo(endpoint.path).length === 2 ? true : undefined));
    const detail = await deliveryIn(deliveryId, ['succeeded']);
    await waitFor(async () =>
      (await f.producer.getDelivery(deliveryId))?.attempts.length === 2 ? true : undefined,
    );
    const attempts = (await f.producer.getDelivery(deliveryId))?.attempts ?? [];
    expect(attempts.map((a) => [a.attemptNumber, a.trigger])).toEqual([
      [1, 'scheduled'],
      [2, 'manual'],
    ]);
    const [first, second] = f.receiver.requestsTo(endpoint.path);
    expect(second?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
    expect(second?.headers['webhook-id']).toBe(eventId);
    expect(second?.headers['x-letta-attempt']).toBe('2');
    expect(verifyWebhook(second?.body ?? '', second?.headers ?? {}, endpoint.secret).event_id).toBe(
      eventId,
    );
    expect(detail.eventId).toBe(eventId);
    expect((await rejection(f.producer.resendDelivery('dlv_missing'))).code).toBe('NOT_FOUND');
  });

  it('recovers an endpoint: re-enqueues its failed deliveries since a time and reports how many', async () => {
    const endpoint = await endpointFor('agent-recover');
    f.receiver.respond((req) => (req.path === endpoint.path ? { status: 500 } : { status: 200 }));
    const settings = f.ctx.withSettings({ WEBHOOK_MAX_ATTEMPTS: '1' });
    const once = createProducer({ settings });
    startWorker(settings);
    const since = new Date(Date.now() - 1000);
    const ids = [];
    try {
      for (let i = 0; i < 3; i++) ids.push((await publish('agent-recover', once)).deliveryId);
    } finally {
      await once.close();
    }
    for (const id of ids) await deliveryIn(id, ['failed']);
    f.receiver.respond(() => ({ status: 200 }));
    expect(
      await f.producer.recoverEndpoint(endpoint.id, { since: new Date(Date.now() + 60_000) }),
    ).toEqual({ enqueued: 0 });
    expect(await f.producer.recoverEndpoint(endpoint.id, { since, limit: 2 })).toEqual({
      enqueued: 2,
    });
    expect(await f.producer.recoverEndpoint(endpoint.id, { since })).toEqual({ enqueued: 1 });
    for (const id of ids) {
      const row = await deliveryIn(id, ['succeeded']);
      expect(row.status).toBe('succeeded');
    }
    await f.producer.disableEndpoint(endpoint.id);
    expect((await rejection(f.producer.recoverEndpoint(endpoint.id, { since }))).code).toBe(
      'ENDPOINT_DISABLED',
    );
  });

  it('replays an event to the endpoints that match it now', async () => {
    const first = await endpointFor('agent-replay');
    startWorker();
    const { eventId, deliveryId } = await publish('agent-replay');
    await deliveryIn(deliveryId, ['succeeded']);
    const second = await endpointFor('agent-replay');
    const replay = await f.producer.replayEvent(eventId);
    expect(replay.deliveries.map((d) => d.endpointId).sort()).toEqual([first.id, second.id].sort());
    for (const d of replay.deliveries) await deliveryIn(d.deliveryId, ['succeeded']);
    await waitFor(() => (f.receiver.requestsTo(first.path).length === 2 ? true : undefined));
    expect(f.receiver.requestsTo(second.path)).toHaveLength(1);
    expect(f.receiver.requestsTo(second.path)[0]?.headers['webhook-id']).toBe(eventId);
    expect((await rejection(f.producer.replayEvent('evt_missing'))).code).toBe('NOT_FOUND');
  });
});

describe('callbacks', () => {
  it('delivers a run completion to its callback URL with the same envelope, signing and recording', async () => {
    startWorker();
    const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
    const result = await f.producer.publishEvent('agent-cb', 'agent.run.completed', run, {
      callbackUrl: f.receiver.url('/callback'),
    });
    const [delivery] = result.deliveries;
    await deliveryIn(delivery?.deliveryId ?? '', ['succeeded']);
    const [request] = f.receiver.requestsTo('/callback');
    if (!request) throw new Error('callback not received');
    const secret = await f.producer.getCallbackSecret('org-a');
    const envelope = new Webhook(secret).verify(request.body.toString(), standardHeaders(request));
    expect(envelope).toMatchObject({
      event_id: result.eventId,
      event_type: 'agent.run.completed',
      data: run,
    });
  });
});
