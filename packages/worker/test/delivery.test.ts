import { createHmac } from 'node:crypto';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { STEP, useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { capturingLogger } from '../../../test/support/log-capture.js';

const f = useDeliveryFixture();
const { startWorker, endpointFor, publish, settledRow: settled } = f;
const step = STEP;

function attemptsOf(deliveryId: string) {
  return f.ctx.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('id')
    .execute();
}

describe('delivery', () => {
  it('POSTs the envelope with every header, verifiable by an independent library, and records it', async () => {
    const endpoint = await endpointFor('agent-happy');
    startWorker();
    const { eventId, deliveryId } = await publish('agent-happy');
    const row = await settled(deliveryId);
    expect(row).toMatchObject({
      status: 'succeeded',
      attempt_count: 1,
      last_status_code: 200,
      endpoint_id: endpoint.id,
    });

    const [request] = f.receiver.requestsTo(endpoint.path);
    if (!request) throw new Error('receiver got nothing');
    const h = request.headers;
    expect(request.method).toBe('POST');
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toBe('Letta-Webhooks/1.0');
    expect(h['x-letta-event-type']).toBe('agent.step.completed');
    expect(h['x-letta-event-id']).toBe(eventId);
    expect(h['x-letta-delivery-id']).toBe(deliveryId);
    expect(h['x-letta-attempt']).toBe('1');
    expect(h['webhook-id']).toBe(eventId);
    expect(h['webhook-timestamp']).toBe(h['x-letta-timestamp']);
    expect(Math.abs(Number(h['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);

    const body = request.body.toString('utf8');
    const envelope = new Webhook(endpoint.secret).verify(body, {
      'webhook-id': String(h['webhook-id']),
      'webhook-timestamp': String(h['webhook-timestamp']),
      'webhook-signature': String(h['webhook-signature']),
    });
    expect(envelope).toMatchObject({
      event_id: eventId,
      agent_id: 'agent-happy',
      organization_id: 'org-a',
      data: step,
    });
    const key = Buffer.from(endpoint.secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key)
      .update(`${eventId}.${String(h['x-letta-timestamp'])}.`)
      .update(request.body)
      .digest('hex');
    expect(h['x-letta-signature']).toBe(`sha256=${mac}`);

    const stored = await f.ctx.db
      .selectFrom('webhook_events')
      .select('body')
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(stored.body).toBe(body);
    const attempts = await attemptsOf(deliveryId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      attempt_number: 1,
      outcome: 'succeeded',
      status_code: 200,
      response_excerpt: 'ok',
    });
  });

  it('retries 500, 500, then delivers on 200, signing each attempt afresh', async () => {
    const endpoint = await endpointFor('agent-flaky');
    f.receiver.respond((req, index) =>
      req.path === endpoint.path && index < 2 ? { status: 500, body: 'boom' } : { status: 200 },
    );
    startWorker();
    const { deliveryId } = await publish('agent-flaky');
    const row = await settled(deliveryId);
    expect(row).toMatchObject({ status: 'succeeded', attempt_count: 3 });
    const attempts = await attemptsOf(deliveryId);
    expect(attempts.map((a) => [a.attempt_number, a.status_code, a.outcome])).toEqual([
      [1, 500, 'retryable'],
      [2, 500, 'retryable'],
      [3, 200, 'succeeded'],
    ]);
    expect(attempts[0]?.response_excerpt).toBe('boom');
    const requests = f.receiver.requestsTo(endpoint.path);
    expect(requests.map((r) => r.headers['x-letta-attempt'])).toEqual(['1', '2', '3']);
    for (const r of requests)
      expect(() =>
        new Webhook(endpoint.secret).verify(r.body.toString(), r.headers as Record<string, string>),
      ).not.toThrow();
  });

  it('records a timeout for a receiver that never answers, then fails the delivery', async () => {
    const endpoint = await endpointFor('agent-silent');
    f.receiver.respond((req) => (req.path === endpoint.path ? 'hang' : { status: 200 }));
    const settings = f.ctx.withSettings({
      WEBHOOK_REQUEST_TIMEOUT_MS: '300',
      WEBHOOK_MAX_ATTEMPTS: '2',
    });
    startWorker(settings);
    const { deliveryId } = await publish('agent-silent', settings);
    const row = await settled(deliveryId);
    expect(row).toMatchObject({ status: 'failed', attempt_count: 2 });
    const attempts = await attemptsOf(deliveryId);
    expect(attempts.map((a) => [a.error_kind, a.outcome, a.status_code])).toEqual([
      ['timeout', 'retryable', null],
      ['timeout', 'retryable', null],
    ]);
    for (const a of attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(290);
      expect(a.duration_ms).toBeLessThan(2_000);
    }
  });

  it('disables the endpoint on 410 and sends it nothing more', async () => {
    const endpoint = await endpointFor('agent-gone');
    f.receiver.respond((req) => (req.path === endpoint.path ? { status: 410 } : { status: 200 }));
    const first = await publish('agent-gone');
    // A second delivery already queued before the 410 arrives.
    const second = await publish('agent-gone');
    startWorker(f.ctx.withSettings({ WEBHOOK_WORKER_CONCURRENCY: '1' }));
    expect(await settled(first.deliveryId)).toMatchObject({
      status: 'failed',
      attempt_count: 1,
      last_status_code: 410,
    });
    expect(await settled(second.deliveryId)).toMatchObject({
      status: 'cancelled',
      attempt_count: 0,
    });
    const stored = await f.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringContaining('410'),
    });
    expect(f.receiver.requestsTo(endpoint.path)).toHaveLength(1);
    const later = await f.producer.publishEvent('agent-gone', 'agent.step.completed', step);
    expect(later.deliveries).toEqual([]);
  });

  it('waits at least as long as Retry-After asks on 429', async () => {
    const endpoint = await endpointFor('agent-busy');
    f.receiver.respond((req, index) =>
      req.path === endpoint.path && index === 0
        ? { status: 429, headers: { 'Retry-After': '1' } }
        : { status: 200 },
    );
    startWorker();
    const { deliveryId } = await publish('agent-busy');
    expect(await settled(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    const [first, second] = f.receiver.requestsTo(endpoint.path);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('never follows a redirect', async () => {
    const endpoint = await endpointFor('agent-moved');
    f.receiver.respond((req) =>
      req.path === endpoint.path
        ? { status: 302, headers: { Location: f.receiver.url('/moved-here') } }
        : { status: 200 },
    );
    const settings = f.ctx.withSettings({ WEBHOOK_MAX_ATTEMPTS: '2' });
    startWorker(settings);
    const { deliveryId } = await publish('agent-moved', settings);
    expect(await settled(deliveryId)).toMatchObject({
      status: 'failed',
      attempt_count: 2,
      last_status_code: 302,
    });
    expect((await attemptsOf(deliveryId)).map((a) => a.error_kind)).toEqual([
      'redirect',
      'redirect',
    ]);
    expect(f.receiver.requestsTo('/moved-here')).toHaveLength(0);
  });

  it('refuses, without retrying, a host that resolves to a private address', async () => {
    const endpoint = await f.producer.createEndpoint({
      url: `http://localhost:${f.receiver.port}/private`,
      organizationId: 'org-a',
      agentId: 'agent-private',
      eventTypes: ['*'],
    });
    startWorker(f.ctx.withSettings({ WEBHOOK_ALLOWED_CIDRS: '' }));
    const { deliveryId } = await publish('agent-private');
    expect(await settled(deliveryId)).toMatchObject({ status: 'failed', attempt_count: 1 });
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt).toMatchObject({ outcome: 'permanent', error_kind: 'refused_url' });
    expect(attempt?.error_message).toMatch(/loopback/);
    expect(f.receiver.requestsTo('/private')).toHaveLength(0);
    expect(endpoint.id).toMatch(/^ep_/);
  });

  it('keeps a capped excerpt of a large response, flagged as truncated', async () => {
    const endpoint = await endpointFor('agent-chatty');
    f.receiver.respond((req) =>
      req.path === endpoint.path ? { status: 200, body: 'x'.repeat(100_000) } : { status: 200 },
    );
    startWorker(f.ctx.withSettings({ WEBHOOK_RESPONSE_EXCERPT_BYTES: '1024' }));
    const { deliveryId } = await publish('agent-chatty');
    await settled(deliveryId);
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt?.response_excerpt).toHaveLength(1024);
    expect(attempt?.response_truncated).toBe(true);
  });
});

describe('connections', () => {
  it('reuses one kept-alive connection for consecutive deliveries to a host', async () => {
    const endpoint = await endpointFor('agent-keepalive');
    startWorker(f.ctx.withSettings({ WEBHOOK_WORKER_CONCURRENCY: '1' }));
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await publish('agent-keepalive')).deliveryId);
    for (const id of ids) await settled(id);
    const ports = new Set(f.receiver.requestsTo(endpoint.path).map((r) => r.remotePort));
    expect(ports.size).toBe(1);
  });

  it('enforces the deadline on the whole exchange, even against a receiver trickling its headers', async () => {
    const sockets = new Set<Socket>();
    const trickler = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 200 OK\r\n');
      const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
      socket.on('close', () => {
        clearInterval(timer);
      });
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    try {
      const port = (trickler.address() as { port: number }).port;
      await f.producer.createEndpoint({
        url: `http://127.0.0.1:${port}/slow`,
        organizationId: 'org-a',
        agentId: 'agent-trickle',
        eventTypes: ['*'],
      });
      const settings = f.ctx.withSettings({
        WEBHOOK_REQUEST_TIMEOUT_MS: '400',
        WEBHOOK_MAX_ATTEMPTS: '1',
      });
      startWorker(settings);
      const { deliveryId } = await publish('agent-trickle', settings);
      expect(await settled(deliveryId)).toMatchObject({ status: 'failed', attempt_count: 1 });
      const [attempt] = await attemptsOf(deliveryId);
      expect(attempt).toMatchObject({ error_kind: 'timeout', outcome: 'retryable' });
      expect(attempt?.duration_ms).toBeGreaterThanOrEqual(390);
      expect(attempt?.duration_ms).toBeLessThan(1_500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        trickler.close(() => {
          resolve();
        }),
      );
    }
  });
});

describe('secret hygiene', () => {
  it('keeps the endpoint secret out of Redis and out of the logs', async () => {
    const endpoint = await endpointFor('agent-secret');
    f.receiver.respond((req, index) =>
      req.path === endpoint.path && index === 0 ? { status: 500 } : { status: 200 },
    );
    const { logger, lines: logs } = capturingLogger('trace');
    startWorker(f.ctx.settings, { logger });
    const { deliveryId } = await publish('agent-secret');
    expect(await settled(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    const key = endpoint.secret.slice('whsec_'.length);
    const redisText = (
      await Promise.all(
        (await f.ctx.redisKeys()).map(async (k) => {
          const type = await f.ctx.redis.type(k);
          const value =
            type === 'hash'
              ? await f.ctx.redis.hgetall(k)
              : type === 'string'
                ? await f.ctx.redis.get(k)
                : type === 'list'
                  ? await f.ctx.redis.lrange(k, 0, -1)
                  : type === 'zset'
                    ? await f.ctx.redis.zrange(k, 0, -1)
                    : type === 'stream'
                      ? await f.ctx.redis.xrange(k, '-', '+')
                      : await f.ctx.redis.dump(k);
          return `${k} ${JSON.stringify(value)}`;
        }),
      )
    ).join('\n');
    expect(redisText.length).toBeGreaterThan(0);
    expect(redisText).not.toContain(key);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(key);
    expect(logs.join('')).toContain(deliveryId);
  });
});

describe('proxy settings', () => {
  it('are ignored: deliveries go straight to the endpoint', async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy };
    // A proxy that would refuse every connection, were it used.
    process.env.HTTP_PROXY = 'http://127.0.0.1:1';
    process.env.http_proxy = 'http://127.0.0.1:1';
    try {
      const endpoint = await endpointFor('agent-proxied');
      startWorker();
      const { deliveryId } = await publish('agent-proxied');
      expect(await settled(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 1 });
      expect(f.receiver.requestsTo(endpoint.path)).toHaveLength(1);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) Reflect.deleteProperty(process.env, key);
        else process.env[key] = value;
      }
    }
  });
});

describe('shutdown', () => {
  it('finishes in-flight deliveries and leaves the rest queued; a new worker delivers them all', async () => {
    const endpoint = await endpointFor('agent-shutdown');
    f.receiver.respond((req) =>
      req.path === endpoint.path ? { status: 200, delayMs: 300 } : { status: 200 },
    );
    const published = [];
    for (let i = 0; i < 12; i++) published.push(await publish('agent-shutdown'));
    const first = startWorker(f.ctx.withSettings({ WEBHOOK_WORKER_CONCURRENCY: '3' }));
    await waitFor(() => (f.receiver.requestsTo(endpoint.path).length > 0 ? true : undefined));
    await first.close();
    const afterFirst = f.receiver.requestsTo(endpoint.path).length;
    expect(afterFirst).toBeLessThan(12);
    const succeeded = await f.ctx.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'succeeded')
      .where('agent_id', '=', 'agent-shutdown')
      .execute();
    // Everything the first worker sent before stopping was recorded.
    expect(succeeded.length).toBe(afterFirst);

    startWorker();
    for (const { deliveryId } of published)
      expect(await settled(deliveryId)).toMatchObject({ status: 'succeeded' });
    const ids = f.receiver.requestsTo(endpoint.path).map((r) => r.headers['x-letta-delivery-id']);
    expect(new Set(ids).size).toBe(12);
    expect(ids).toHaveLength(12);
  });

  it('at the deadline aborts a hung delivery and hands it back without using up an attempt', async () => {
    const endpoint = await endpointFor('agent-hung');
    f.receiver.respond((req) => (req.path === endpoint.path ? 'hang' : { status: 200 }));
    const settings = f.ctx.withSettings({
      WEBHOOK_SHUTDOWN_TIMEOUT_MS: '200',
      WEBHOOK_REQUEST_TIMEOUT_MS: '30000',
      WEBHOOK_MAX_ATTEMPTS: '1',
    });
    const { logger, lines } = capturingLogger();
    const first = startWorker(settings, { logger });
    const { deliveryId } = await publish('agent-hung', settings);
    await waitFor(() => (f.receiver.requestsTo(endpoint.path).length > 0 ? true : undefined));
    await first.close();
    // Closed by the shutdown deadline, not by the 30 s request timeout.
    expect(lines.filter((line) => line.includes('aborting in-flight deliveries'))).toHaveLength(1);

    f.receiver.respond(() => ({ status: 200, body: 'ok' }));
    startWorker(settings);
    expect(await settled(deliveryId)).toMatchObject({ status: 'succeeded' });
    const attempts = await attemptsOf(deliveryId);
    expect(attempts.map((a) => a.outcome)).toEqual(['retryable', 'succeeded']);
    expect(attempts[0]?.error_message).toMatch(/shutting down/);
  });
});
