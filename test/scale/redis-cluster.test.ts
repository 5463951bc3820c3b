import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, type Settings } from '@letta-webhooks/shared';
import { createWorker } from '@letta-webhooks/worker';
import { Cluster } from 'ioredis';
import { createTestContext, waitFor, type TestContext } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startRedisCluster, type LocalCluster } from '../support/redis-cluster.js';

let ctx: TestContext;
let cluster: LocalCluster;
let receiver: Receiver;
let settings: Settings;

beforeAll(async () => {
  ctx = await createTestContext();
  cluster = await startRedisCluster();
  receiver = await startReceiver();
  // The braces make the prefix a hash tag: every queue key in one cluster slot.
  settings = ctx.withSettings({
    REDIS_CLUSTER_NODES: cluster.nodes,
    WEBHOOK_QUEUE_PREFIX: '{lw-cluster}',
    WEBHOOK_ENDPOINT_CACHE_TTL_MS: '600000',
    WEBHOOK_BREAKER_MIN_ATTEMPTS: '2',
    WEBHOOK_BREAKER_WINDOW_MS: '300',
  });
}, 60_000);

afterAll(async () => {
  // beforeAll may have failed part-way: close what was started.
  await (receiver as Receiver | undefined)?.close();
  await (cluster as LocalCluster | undefined)?.stop();
  await (ctx as TestContext | undefined)?.cleanup();
});

describe('Redis Cluster', () => {
  it('publishes, fans out, delivers, trips breakers and spreads endpoint changes, unchanged', async () => {
    const producer = createProducer({ settings, organizationId: 'org-a' });
    const other = createProducer({ settings, organizationId: 'org-a' });
    const worker = createWorker({ settings });
    try {
      const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
      // Warm the other producer's cache (TTL 10 min): only pub/sub can tell it about the endpoints.
      expect(
        (await other.publishEvent('agent-1', 'agent.step.completed', step)).deliveries,
      ).toEqual([]);
      await producer.createEndpoint({
        url: receiver.url('/a'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      await producer.createEndpoint({
        url: receiver.url('/b'),
        organizationId: 'org-a',
        eventTypes: ['agent.*'],
      });
      await waitFor(
        async () =>
          (await other.publishEvent('agent-1', 'agent.step.completed', step)).deliveries.length ===
          2
            ? true
            : undefined,
        { what: 'the endpoint change to reach the other producer through the cluster' },
      );
      const results = await producer.publishEvents(
        Array.from({ length: 20 }, () => ({
          agentId: 'agent-1',
          eventType: 'agent.step.completed' as const,
          data: step,
        })),
      );
      const ids = results.flatMap((r) => r.deliveries.map((d) => d.deliveryId));
      expect(ids).toHaveLength(40);
      for (const id of ids) {
        await waitFor(async () =>
          (await producer.getDelivery(id))?.status === 'succeeded' ? true : undefined,
        );
      }
      expect(receiver.requestsTo('/a').length).toBeGreaterThanOrEqual(21);

      const failing = await producer.createEndpoint({
        url: receiver.url('/down'),
        organizationId: 'org-a',
        agentId: 'agent-down',
        eventTypes: ['*'],
      });
      receiver.respond((req) => (req.path === '/down' ? { status: 500 } : { status: 200 }));
      for (let i = 0; i < 3; i++)
        await producer.publishEvent(
          'agent-down',
          'agent.tool.attached',
          EXAMPLE_EVENT_DATA['agent.tool.attached'],
        );
      await waitFor(async () =>
        (await producer.getEndpointHealth(failing.id)).consecutiveFailures >= 2 ? true : undefined,
      );
      // The breaker's two keys share the prefix's slot, so its script runs on the cluster.
      const direct = new Cluster(
        cluster.nodes
          .split(',')
          .map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })),
      );
      try {
        await waitFor(
          async () =>
            Number(await direct.hget(`{lw-cluster}:breaker:${failing.id}`, 'open_until')) > 0
              ? true
              : undefined,
          {
            what: 'the circuit breaker to open',
          },
        );
      } finally {
        direct.disconnect();
      }
    } finally {
      await worker.close();
      await other.close();
      await producer.close();
    }
  });
});
