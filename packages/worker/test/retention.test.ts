import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import { createTestContext, waitFor, type TestContext } from '../../../test/support/harness.js';
import { startReceiver, type Receiver } from '../../../test/support/receiver.js';
import { createWorker, deleteOldDeliveries } from '../src/index.js';

let ctx: TestContext;
let producer: Producer;
let receiver: Receiver;

beforeAll(async () => {
  ctx = await createTestContext();
  producer = createProducer({ settings: ctx.settings, organizationId: 'org-a' });
  receiver = await startReceiver();
  await producer.createEndpoint({
    url: receiver.url('/r'),
    organizationId: 'org-a',
    eventTypes: ['*'],
  });
});

afterAll(async () => {
  await producer.close();
  await receiver.close();
  await ctx.cleanup();
});

async function deliverSome(count: number): Promise<string[]> {
  const worker = createWorker({ settings: ctx.settings });
  try {
    const ids = [];
    for (let i = 0; i < count; i++) {
      const { deliveries } = await producer.publishEvent(
        'agent-1',
        'agent.step.completed',
        EXAMPLE_EVENT_DATA['agent.step.completed'],
      );
      ids.push(deliveries[0]?.deliveryId ?? '');
    }
    for (const id of ids)
      await waitFor(async () =>
        (await producer.getDelivery(id))?.status === 'succeeded' ? true : undefined,
      );
    return ids;
  } finally {
    await worker.close();
  }
}

async function age(ids: string[], days: number): Promise<void> {
  await sql`UPDATE webhook_deliveries SET completed_at = now() - ${days} * interval '1 day', created_at = now() - ${days} * interval '1 day' WHERE id = ANY(${ids})`.execute(
    ctx.db,
  );
  await sql`UPDATE webhook_events SET created_at = now() - ${days} * interval '1 day' WHERE id IN (SELECT event_id FROM webhook_deliveries WHERE id = ANY(${ids}))`.execute(
    ctx.db,
  );
}

describe('retention', () => {
  it('deletes settled deliveries older than the period, their attempts and orphaned events; never pending ones', async () => {
    const [old1, old2, recent] = await deliverSome(3);
    await age([old1 ?? '', old2 ?? ''], 40);
    await sql`UPDATE webhook_deliveries SET status = 'pending', completed_at = NULL WHERE id = ${old2 ?? ''}`.execute(
      ctx.db,
    );
    const result = await deleteOldDeliveries(ctx.db, 30 * 86_400_000);
    expect(result).toEqual({ attempts: 1, deliveries: 1, events: 1 });
    expect(await producer.getDelivery(old1 ?? '')).toBeUndefined();
    expect(await producer.getDelivery(old2 ?? '')).toMatchObject({ status: 'pending' });
    expect(await producer.getDelivery(recent ?? '')).toMatchObject({ status: 'succeeded' });
    expect(await deleteOldDeliveries(ctx.db, 30 * 86_400_000)).toEqual({
      attempts: 0,
      deliveries: 0,
      events: 0,
    });
  });

  it('runs on a schedule in the worker', async () => {
    const [doomed] = await deliverSome(1);
    await age([doomed ?? ''], 2);
    const worker = createWorker({
      settings: ctx.withSettings({
        WEBHOOK_RETENTION_DAYS: '1',
        WEBHOOK_RETENTION_INTERVAL_MS: '1000',
      }),
    });
    try {
      await waitFor(
        async () => ((await producer.getDelivery(doomed ?? '')) === undefined ? true : undefined),
        {
          what: 'the scheduled cleanup',
        },
      );
    } finally {
      await worker.close();
    }
  });
});
