import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, type Settings } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/private-redis.js';
import { createWorker } from '../src/index.js';

// The reconciler's own schedule is far off: only the data-loss check can recover in time.
const f = useDeliveryFixture({
  settings: {
    WEBHOOK_RECONCILE_AFTER_MS: '900000',
    WEBHOOK_RECONCILE_INTERVAL_MS: '600000',
    WEBHOOK_REDIS_LOSS_CHECK_MS: '100',
    WEBHOOK_OUTBOX_POLL_MS: '50',
    WEBHOOK_WORKER_CONCURRENCY: '2',
    WEBHOOK_ENDPOINT_MAX_IN_FLIGHT: '2',
  },
  reply: () => ({ status: 200, delayMs: 100 }),
  lazyProducer: true,
});
let redis: PrivateRedis;
let settings: Settings;

beforeAll(async () => {
  redis = await startPrivateRedis();
  settings = f.ctx.withSettings({ REDIS_URL: redis.url });
});

afterAll(async () => {
  await redis.stop();
});

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

const pendingCount = async (ids: readonly string[]) =>
  Number(
    (
      await sql<{ n: string }>`
        SELECT count(*) AS n FROM webhook_deliveries WHERE id = ANY(${ids}) AND status <> 'succeeded'
      `.execute(f.ctx.db)
    ).rows[0]?.n,
  );

describe('Redis restarted without its data', () => {
  it('loses nothing a durable publish acknowledged: the workers notice and re-enqueue at once', async () => {
    const producer = createProducer({ settings, organizationId: 'org-a' });
    const worker = createWorker({ settings });
    try {
      await producer.createEndpoint({
        url: f.receiver.url('/loss'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      const published = await producer.publishEvents(
        Array.from({ length: 60 }, () => ({
          agentId: 'agent-1',
          eventType: 'agent.step.completed' as const,
          data: step,
        })),
      );
      await waitFor(() => (f.receiver.requestsTo('/loss').length >= 4 ? true : undefined));
      // Most jobs are still queued: SIGKILL with no persistence wipes them all.
      await redis.kill();
      // Published while Redis is down: acknowledged all the same, relayed later.
      const during = await producer.publishEvent('agent-1', 'agent.step.completed', step);
      await redis.restart();
      const ids = [...published, during].map((result) => result.deliveries[0]?.deliveryId ?? '');
      await waitFor(async () => ((await pendingCount(ids)) === 0 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'every delivery to succeed',
      });
      const delivered = new Set(
        f.receiver.requestsTo('/loss').map((r) => String(r.headers['x-letta-delivery-id'])),
      );
      for (const id of ids) expect(delivered.has(id)).toBe(true);
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});
