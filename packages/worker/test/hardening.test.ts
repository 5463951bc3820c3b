import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { DELIVERY_JOB_NAME, type Settings } from '@letta-webhooks/shared';
import { STEP, useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';

const f = useDeliveryFixture({ settleTimeoutMs: 20_000 });
const { startWorker, endpointAt, settled } = f;
const step = STEP;

async function publish(agentId: string, settings?: Settings): Promise<string> {
  return (await f.publish(agentId, settings)).deliveryId;
}

/** A raw HTTP server on loopback, closed after the test; its URL and how to close it sooner. */
async function rawServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      if (!server.listening) resolve();
      else
        server.close(() => {
          resolve();
        });
    });
  f.afterThisTest(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close };
}

describe('status contract', () => {
  it('503 with an HTTP-date Retry-After: retried no sooner than asked', async () => {
    const endpoint = await endpointAt(f.receiver.url('/busy-date'), 'agent-503');
    f.receiver.respond((req, index) =>
      req.path === '/busy-date' && index === 0
        ? { status: 503, headers: { 'Retry-After': new Date(Date.now() + 2_000).toUTCString() } }
        : { status: 200 },
    );
    startWorker();
    const row = await settled(await publish('agent-503'));
    expect(row).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    const [first, second] = f.receiver.requestsTo('/busy-date');
    // HTTP dates have one-second resolution.
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
    expect(endpoint.id).toMatch(/^ep_/);
  });

  it('a refused connection is retried and recorded', async () => {
    const closed = await rawServer(() => undefined);
    const port = new URL(closed.url).port;
    await closed.close();
    await endpointAt(`http://127.0.0.1:${port}/`, 'agent-refused');
    const settings = f.ctx.withSettings({ WEBHOOK_MAX_ATTEMPTS: '2' });
    startWorker(settings);
    const row = await settled(await publish('agent-refused', settings));
    expect(row).toMatchObject({ status: 'failed', attemptCount: 2 });
    expect(row.attempts.map((a) => [a.errorKind, a.outcome])).toEqual([
      ['connection', 'retryable'],
      ['connection', 'retryable'],
    ]);
    expect(row.attempts[0]?.errorMessage).toMatch(/ECONNREFUSED/);
  });
});

describe('limits', () => {
  it('enforces the connect timeout separately from the request deadline', async () => {
    // A listener whose accept queue is full: the kernel drops the SYN, so connect hangs.
    const python: ChildProcess = spawn('python3', [
      '-c',
      [
        'import socket, time',
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
        'port = s.getsockname()[1]',
        'fill = []',
        'for _ in range(4):',
        '    c = socket.socket(); c.setblocking(False)',
        "    try: c.connect(('127.0.0.1', port))",
        '    except BlockingIOError: pass',
        '    fill.append(c)',
        'print(port, flush=True)',
        'time.sleep(60)',
      ].join('\n'),
    ]);
    f.afterThisTest(() => {
      python.kill();
    });
    const port = await new Promise<string>((resolve) =>
      python.stdout?.once('data', (chunk: Buffer) => {
        resolve(chunk.toString().trim());
      }),
    );
    await endpointAt(`http://127.0.0.1:${port}/`, 'agent-syn');
    const settings = f.ctx.withSettings({
      WEBHOOK_CONNECT_TIMEOUT_MS: '300',
      WEBHOOK_REQUEST_TIMEOUT_MS: '5000',
      WEBHOOK_MAX_ATTEMPTS: '1',
    });
    startWorker(settings);
    const row = await settled(await publish('agent-syn', settings));
    const [attempt] = row.attempts;
    expect(attempt).toMatchObject({
      errorKind: 'timeout',
      errorMessage: expect.stringMatching(/connect timed out after 300 ms/),
    });
    expect(attempt?.durationMs).toBeGreaterThanOrEqual(290);
    expect(attempt?.durationMs).toBeLessThan(2_000);
  });

  it('caps the stored response after decompression, flagged as truncated', async () => {
    const { url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain' });
      res.end(gzipSync(Buffer.alloc(200_000, 'a')));
    });
    await endpointAt(url, 'agent-gzip');
    startWorker(f.ctx.withSettings({ WEBHOOK_RESPONSE_EXCERPT_BYTES: '1000' }));
    const row = await settled(await publish('agent-gzip'));
    expect(row.status).toBe('succeeded');
    expect(row.attempts[0]?.responseExcerpt).toBe('a'.repeat(1000));
    expect(row.attempts[0]?.responseTruncated).toBe(true);
  });

  it('stops reading a receiver that streams an endless body', async () => {
    const { url } = await rawServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(16_384, 'z')), 5);
      res.on('close', () => {
        clearInterval(timer);
      });
    });
    await endpointAt(url, 'agent-endless');
    startWorker(
      f.ctx.withSettings({
        WEBHOOK_RESPONSE_EXCERPT_BYTES: '4096',
        WEBHOOK_REQUEST_TIMEOUT_MS: '10000',
      }),
    );
    const row = await settled(await publish('agent-endless'));
    expect(row.status).toBe('succeeded');
    expect(row.attempts[0]).toMatchObject({ responseTruncated: true, statusCode: 200 });
    expect(row.attempts[0]?.responseExcerpt).toHaveLength(4096);
    expect(row.attempts[0]?.durationMs).toBeLessThan(2_000);
  });
});

describe('bad jobs', () => {
  it('fails malformed job data without retrying, and keeps delivering', async () => {
    await endpointAt(f.receiver.url('/after-bad'), 'agent-bad-job');
    startWorker();
    const bad = await f.queue.add(
      DELIVERY_JOB_NAME,
      { deliveryId: 'dlv_x', body: 42 },
      { attempts: 5 },
    );
    const badJobs = [bad];
    badJobs.push(await f.queue.add(DELIVERY_JOB_NAME, 'not even an object', { attempts: 5 }));
    for (const job of badJobs) {
      await waitFor(async () => ((await job.getState()) === 'failed' ? true : undefined), {
        what: 'the bad job to fail',
      });
      const fresh = await f.queue.getJob(job.id ?? '');
      expect(fresh?.attemptsMade).toBe(1);
      expect(fresh?.failedReason).toBe('rejected_job: malformed delivery job data');
    }
    expect(await settled(await publish('agent-bad-job'))).toMatchObject({ status: 'succeeded' });
  });
});

describe('per-endpoint isolation', () => {
  it('keeps healthy deliveries flowing while another endpoint hangs until timeout', async () => {
    await endpointAt(f.receiver.url('/hangs'), 'agent-hang');
    await endpointAt(f.receiver.url('/healthy'), 'agent-healthy');
    f.receiver.respond((req) => (req.path === '/hangs' ? 'hang' : { status: 200 }));
    const settings = f.ctx.withSettings({
      WEBHOOK_WORKER_CONCURRENCY: '4',
      WEBHOOK_ENDPOINT_MAX_IN_FLIGHT: '1',
      WEBHOOK_REQUEST_TIMEOUT_MS: '60000',
      WEBHOOK_SHUTDOWN_TIMEOUT_MS: '100',
      WEBHOOK_MAX_ATTEMPTS: '1',
    });
    // The hanging endpoint's deliveries are queued first, so without isolation they would take every slot.
    const hanging = [];
    for (let i = 0; i < 12; i++) hanging.push(await publish('agent-hang', settings));
    const healthy = [];
    for (let i = 0; i < 60; i++) healthy.push(await publish('agent-healthy', settings));
    startWorker(settings);
    for (const id of healthy) expect((await settled(id)).status).toBe('succeeded');
    expect(f.receiver.requestsTo('/hangs').length).toBe(1);
    // All sixty arrive while the first hanging request is still open: it has not timed out
    // (60 s, far beyond any machine's pace) and no attempt of the hanging endpoint is recorded.
    const timedOut = await f.ctx.db
      .selectFrom('webhook_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
      .select('webhook_attempts.id')
      .where('webhook_deliveries.agent_id', '=', 'agent-hang')
      .execute();
    expect(timedOut).toEqual([]);
  }, 120_000);

  it('opens the circuit on the failure rate over a full window, postpones deliveries without spending attempts, and closes on a good probe', async () => {
    const endpoint = await endpointAt(f.receiver.url('/flapping'), 'agent-breaker');
    f.receiver.respond((req) => (req.path === '/flapping' ? { status: 500 } : { status: 200 }));
    // Each delivery fails twice, the retry 1.2–1.5 s after the first attempt: the
    // window (1 s) is full by then, and the three retries fill it with failures.
    const settings = f.ctx.withSettings({
      WEBHOOK_BREAKER_MIN_ATTEMPTS: '3',
      WEBHOOK_BREAKER_WINDOW_MS: '1000',
      // Long enough that a loaded machine publishes the five below before the cooldown ends.
      WEBHOOK_BREAKER_COOLDOWN_MS: '6000',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_BACKOFF_BASE_MS: '1500',
      WEBHOOK_BACKOFF_MAX_MS: '1500',
      WEBHOOK_WORKER_CONCURRENCY: '1',
    });
    startWorker(settings);
    const via = createProducer({ settings, organizationId: 'org-a' });
    f.afterThisTest(() => via.close());
    const failing = (
      await via.publishEvents(
        Array.from({ length: 3 }, () => ({
          agentId: 'agent-breaker',
          eventType: 'agent.step.completed' as const,
          data: step,
        })),
      )
    ).map((result) => result.deliveries[0]?.deliveryId ?? '');
    for (const id of failing) expect((await settled(id)).status).toBe('failed');
    const breakerKeys = [`${settings.queuePrefix}:breaker:${endpoint.id}`];
    expect(Number(await f.ctx.redis.hget(breakerKeys[0] ?? '', 'open_until'))).toBeGreaterThan(
      Date.now(),
    );

    // While open, new deliveries wait: nothing reaches the f.receiver.
    f.receiver.respond(() => ({ status: 200 }));
    const waiting = [];
    for (let i = 0; i < 5; i++) waiting.push(await publish('agent-breaker', settings));
    await waitFor(async () => ((await f.queue.getDelayedCount()) >= 5 ? true : undefined), {
      what: 'postponed jobs',
    });
    expect(f.receiver.requestsTo('/flapping')).toHaveLength(6);

    // After the cooldown one probe goes through, succeeds, and the rest follow, each on its first attempt.
    for (const id of waiting) {
      const row = await settled(id);
      expect(row).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    }
    expect(await f.ctx.redis.exists(breakerKeys[0] ?? '')).toBe(0);
  }, 120_000);
});
