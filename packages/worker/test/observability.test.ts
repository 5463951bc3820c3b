import { beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { createWorker, type WebhookWorker } from '../src/index.js';

const f = useDeliveryFixture({ workersLiveFor: 'file' });
let worker: WebhookWorker;
let base: string;

beforeAll(async () => {
  worker = f.startWorker(f.ctx.withSettings({ WEBHOOK_ADMIN_PORT: '0' }));
  const port = await worker.adminPort();
  if (port === undefined) throw new Error('admin server did not start');
  // Ready once Redis's eviction policy passed and the worker takes jobs.
  await worker.started();
  base = `http://127.0.0.1:${port}`;
});

function metric(text: string, line: RegExp): number {
  const match = text.split('\n').find((l) => line.test(l));
  return match === undefined ? Number.NaN : Number(match.split(' ').at(-1));
}

describe('admin server', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { redis: 'ok', postgres: 'ok', worker: 'ok', redisMemory: 'ok', secretKeys: 'ok' },
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('exports attempts, durations, latency, queue depth, breaker and recorder metrics', async () => {
    await f.producer.createEndpoint({
      url: f.receiver.url('/m'),
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    f.receiver.respond((_req, index) => (index === 0 ? { status: 503 } : { status: 200 }));
    const { deliveries } = await f.producer.publishEvent(
      'agent-1',
      'agent.step.completed',
      EXAMPLE_EVENT_DATA['agent.step.completed'],
    );
    await waitFor(async () =>
      (await f.producer.getDelivery(deliveries[0]?.deliveryId ?? ''))?.status === 'succeeded'
        ? true
        : undefined,
    );
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(
      metric(text, /^letta_webhooks_attempts_total\{outcome="retryable",status_class="5xx"\}/),
    ).toBe(1);
    expect(
      metric(text, /^letta_webhooks_attempts_total\{outcome="succeeded",status_class="2xx"\}/),
    ).toBe(1);
    expect(metric(text, /^letta_webhooks_attempt_duration_seconds_count/)).toBe(2);
    expect(metric(text, /^letta_webhooks_delivery_latency_seconds_count/)).toBe(1);
    expect(metric(text, /^letta_webhooks_recorder_batch_size_count/)).toBeGreaterThanOrEqual(1);
    expect(
      metric(text, /^letta_webhooks_breaker_decisions_total\{decision="closed"\}/),
    ).toBeGreaterThanOrEqual(1);
    expect(metric(text, /^letta_webhooks_queue_jobs\{state="waiting"\}/)).toBe(0);
    expect(metric(text, /^letta_webhooks_queue_oldest_waiting_age_seconds/)).toBe(0);
    expect(text).toMatch(/^letta_webhooks_process_resident_memory_bytes/m);
  });

  it('reports not ready, naming the failing check, once the worker has stopped; then closes', async () => {
    const stopping = createWorker({ settings: f.ctx.withSettings({ WEBHOOK_ADMIN_PORT: '0' }) });
    const port = await stopping.adminPort();
    // Stop the BullMQ worker alone: the admin server stays up and must report it.
    await stopping.worker.close();
    const ready = await fetch(`http://127.0.0.1:${String(port)}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.worker).toBe(
      'not running',
    );
    await stopping.close();
    await expect(fetch(`http://127.0.0.1:${String(port)}/healthz`)).rejects.toThrow();
  });
});
