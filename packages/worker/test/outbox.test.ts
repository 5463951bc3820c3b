import { beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, type DeliveryJobData, type Settings } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { createWorker } from '../src/index.js';

const f = useDeliveryFixture({ settings: { WEBHOOK_OUTBOX_POLL_MS: '50' } });
let settings: Settings;

beforeAll(async () => {
  settings = f.ctx.settings;
  await f.producer.createEndpoint({
    url: f.receiver.url('/o'),
    organizationId: 'org-a',
    eventTypes: ['*'],
  });
});

const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
const status = async (id: string) => (await f.producer.getDelivery(id))?.status;

describe('transactional outbox', () => {
  it('publishes with the caller’s transaction: nothing on rollback, delivered after commit', async () => {
    let rolledBackId = '';
    await f.ctx.db
      .transaction()
      .execute(async (trx) => {
        const result = await f.producer.publishEvent('agent-1', 'agent.run.completed', run, {
          transaction: trx,
        });
        rolledBackId = result.deliveries[0]?.deliveryId ?? '';
        throw new Error('the caller’s own change failed');
      })
      .catch(() => undefined);
    expect(rolledBackId).toMatch(/^dlv_/);
    expect(await status(rolledBackId)).toBeUndefined();

    // Committed while no worker runs: the delivery waits in Postgres, not in Redis.
    const committed = await f.ctx.db
      .transaction()
      .execute((trx) =>
        f.producer.publishEvent('agent-1', 'agent.run.completed', run, { transaction: trx }),
      );
    const id = committed.deliveries[0]?.deliveryId ?? '';
    expect(await status(id)).toBe('pending');
    expect(await f.queue.count()).toBe(0);

    const worker = createWorker({ settings });
    try {
      await waitFor(async () => ((await status(id)) === 'succeeded' ? true : undefined), {
        what: 'the relay and delivery',
      });
      const delivered = f.receiver
        .requestsTo('/o')
        .filter((r) => r.headers['x-letta-delivery-id'] === id);
      expect(delivered).toHaveLength(1);
      expect(JSON.parse(delivered[0]?.body.toString() ?? '{}')).toMatchObject({
        event_id: committed.eventId,
        data: run,
      });
    } finally {
      await worker.close();
    }
  });

  it('reconciles a pending delivery whose job was lost with Redis data', async () => {
    f.receiver.respond(() => ({ status: 500 }));
    const slow = f.ctx.withSettings({
      WEBHOOK_BACKOFF_BASE_MS: '600000',
      WEBHOOK_BACKOFF_MAX_MS: '600000',
    });
    const slowProducer = createProducer({ settings: slow });
    let worker = createWorker({ settings: slow });
    let id = '';
    try {
      const { deliveries } = await slowProducer.publishEvent(
        'agent-2',
        'agent.run.completed',
        run,
        { organizationId: 'org-a' },
      );
      id = deliveries[0]?.deliveryId ?? '';
      await waitFor(async () =>
        (await f.producer.getDelivery(id))?.attemptCount === 1 ? true : undefined,
      );
      await worker.close();
      // Redis loses the delayed retry; Postgres still says pending, and it is now long overdue.
      await f.queue.obliterate({ force: true });
      await sql`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour' WHERE id = ${id}`.execute(
        f.ctx.db,
      );
      f.receiver.respond(() => ({ status: 200 }));
      worker = createWorker({
        settings: f.ctx.withSettings({
          WEBHOOK_RECONCILE_AFTER_MS: '1000',
          WEBHOOK_RECONCILE_INTERVAL_MS: '100',
        }),
      });
      await waitFor(async () => ((await status(id)) === 'succeeded' ? true : undefined), {
        what: 'the reconciler',
      });
      expect((await f.producer.getDelivery(id))?.attempts.map((a) => a.statusCode)).toEqual([
        500, 200,
      ]);
    } finally {
      await worker.close();
      await slowProducer.close();
    }
  });

  it('replaces a job that ended in the failed set while its delivery is still pending', async () => {
    // Published with no worker running; then its job's data is tampered with in Redis.
    const { eventId, deliveries } = await f.producer.publishEvent(
      'agent-3',
      'agent.run.completed',
      run,
      {
        organizationId: 'org-a',
      },
    );
    const id = deliveries[0]?.deliveryId ?? '';
    const job = await waitFor(async () => await f.queue.getJob(id), { what: 'the job' });
    const data = job.data as DeliveryJobData;
    await job.updateData({ ...data, body: data.body.replace('agent-3', 'agent-evil') });

    f.startWorker(
      f.ctx.withSettings({
        WEBHOOK_OUTBOX_POLL_MS: '50',
        WEBHOOK_RECONCILE_AFTER_MS: '1000',
        WEBHOOK_RECONCILE_INTERVAL_MS: '100',
      }),
    );
    // The worker refuses the tampered job unsent; the reconciler finds it failed with the
    // delivery pending and sends the delivery from the row in Postgres.
    await waitFor(async () => ((await status(id)) === 'succeeded' ? true : undefined), {
      what: 'the reconciler to replace the refused job',
    });
    const received = f.receiver.requestsTo('/o').filter((r) => r.body.toString().includes(eventId));
    expect(received.map((r) => JSON.parse(r.body.toString()) as { agent_id: string })).toEqual([
      expect.objectContaining({ agent_id: 'agent-3' }),
    ]);
    expect((await f.producer.getDelivery(id))?.attempts.map((a) => a.attemptNumber)).toEqual([1]);
  });
});
