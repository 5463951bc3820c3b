// Redis memory faults, each on a redis-server of this file's own: an evicting
// policy is refused at start-up (worker, producer; the CLI's one-line refusal is
// in packages/cli/test/cli-settings.test.ts); a Redis out of memory pauses the
// worker without a log storm, and it resumes by itself.
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, isWebhookError } from '@letta-webhooks/shared';
import { pino } from 'pino';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/private-redis.js';
import { createWorker } from '../src/index.js';
import { asWebhookError } from '../../../test/support/errors.js';

const f = useDeliveryFixture({ reply: () => ({ status: 204 }), lazyProducer: true });

async function redisWith(...args: string[]): Promise<PrivateRedis> {
  const server = await startPrivateRedis(args);
  f.afterThisTest(() => server.stop());
  return server;
}

describe('an evicting Redis', () => {
  it('is refused by the worker, naming noeviction and the setting that accepts the risk', async () => {
    const redis = await redisWith('--maxmemory-policy', 'allkeys-lru');
    const worker = createWorker({ settings: f.ctx.withSettings({ REDIS_URL: redis.url }) });
    try {
      const refused = await worker.started().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isWebhookError(refused, 'INVALID_SETTINGS')).toBe(true);
      expect(asWebhookError(refused).message).toMatch(
        /allkeys-lru.*noeviction.*WEBHOOK_ALLOW_EVICTING_REDIS=true/,
      );
      expect(worker.worker.isRunning()).toBe(false);
    } finally {
      await worker.close();
    }
    const accepted = createWorker({
      settings: f.ctx.withSettings({ REDIS_URL: redis.url, WEBHOOK_ALLOW_EVICTING_REDIS: 'true' }),
    });
    try {
      await accepted.started();
      await waitFor(() => (accepted.worker.isRunning() ? true : undefined), { what: 'the worker' });
    } finally {
      await accepted.close();
    }
  });

  it('makes publishEvent reject with a typed error once Redis has answered', async () => {
    const redis = await redisWith('--maxmemory-policy', 'allkeys-random');
    const settings = f.ctx.withSettings({ REDIS_URL: redis.url });
    const producer = createProducer({ settings, organizationId: 'org-a' });
    try {
      await producer.createEndpoint({
        url: f.receiver.url('/evicting'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      const outcome = await waitFor(
        () =>
          producer
            .publishEvent(
              'agent-e',
              'agent.run.completed',
              EXAMPLE_EVENT_DATA['agent.run.completed'],
            )
            .then(
              () => undefined,
              (error: unknown) => error,
            ),
        { what: 'a refused publish' },
      );
      expect(isWebhookError(outcome, 'INVALID_SETTINGS')).toBe(true);
      expect(asWebhookError(outcome).message).toContain('noeviction');
    } finally {
      await producer.close();
    }
  });
});

describe('a Redis out of memory (noeviction)', () => {
  it('pauses the worker (not ready, one warning per interval), which resumes by itself once memory frees', async () => {
    const redis = await redisWith('--maxmemory-policy', 'noeviction');
    const settings = f.ctx.withSettings({
      REDIS_URL: redis.url,
      WEBHOOK_ADMIN_PORT: '0',
      WEBHOOK_REDIS_OOM_BACKOFF_MS: '50',
      WEBHOOK_REDIS_OOM_BACKOFF_MAX_MS: '200',
      WEBHOOK_QUEUE_PREFIX: '{oom}',
    });
    const producer = createProducer({ settings, organizationId: 'org-a' });
    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString().trim().split('\n'));
          done();
        },
      }),
    );
    let worker: ReturnType<typeof createWorker> | undefined;
    try {
      await producer.createEndpoint({
        url: f.receiver.url('/oom'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      const published = await producer.publishEvents(
        Array.from({ length: 50 }, () => ({
          agentId: 'agent-oom',
          eventType: 'agent.step.completed' as const,
          data: EXAMPLE_EVENT_DATA['agent.step.completed'],
        })),
      );
      // Memory is full: the next write that needs any is refused.
      const used = /used_memory:(\d+)/.exec(await redis.cli('info', 'memory'))?.[1] ?? '0';
      await redis.cli('config', 'set', 'maxmemory', used);
      worker = createWorker({ settings, logger });
      const port = await worker.adminPort();
      const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
      const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await waitFor(
        async () =>
          (await metrics()).includes('letta_webhooks_redis_oom_backoff 1') ? true : undefined,
        {
          what: 'the OOM back-off',
        },
      );
      expect(await readyz()).toBe(503);
      // Let it spin against the full Redis for a while: the log stays quiet.
      await waitFor(
        async () =>
          /letta_webhooks_redis_oom_refusals_total (\d+)/.exec(await metrics())?.[1] !==
            undefined &&
          Number(/letta_webhooks_redis_oom_refusals_total (\d+)/.exec(await metrics())?.[1]) >= 5
            ? true
            : undefined,
        { what: 'several refused probes' },
      );
      const oomLines = lines.filter((line) => line.includes('out of memory'));
      expect(oomLines.length).toBeLessThanOrEqual(2);

      // Memory frees: the worker resumes on its own and delivers everything.
      await redis.cli('config', 'set', 'maxmemory', '0');
      const ids = published.map((p) => p.deliveries[0]?.deliveryId ?? '');
      await waitFor(
        async () => {
          const rows = await f.ctx.db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('id', 'in', ids)
            .where('status', '=', 'succeeded')
            .execute();
          return rows.length === ids.length ? true : undefined;
        },
        { what: 'every delivery after memory freed', timeoutMs: 30_000 },
      );
      expect(await readyz()).toBe(200);
      expect(lines.some((line) => line.includes('job intake resumed'))).toBe(true);
    } finally {
      await worker?.close();
      await producer.close();
    }
  });
});
