import { beforeAll, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { createWorker, deleteOldDeliveries } from '../src/index.js';

const f = useDeliveryFixture();

beforeAll(async () => {
  await f.producer.createEndpoint({
    url: f.receiver.url('/r'),
    organizationId: 'org-a',
    eventTypes: ['*'],
  });
});

async function deliverSome(count: number): Promise<string[]> {
  const worker = createWorker({ settings: f.ctx.settings });
  try {
    const ids = [];
    for (let i = 0; i < count; i++) {
      const { deliveries } = await f.producer.publishEvent(
        'agent-1',
        'agent.step.completed',
        EXAMPLE_EVENT_DATA['agent.step.completed'],
      );
      ids.push(deliveries[0]?.deliveryId ?? '');
    }
    for (const id of ids)
      await waitFor(async () =>
        (await f.producer.getDelivery(id))?.status === 'succeeded' ? true : undefined,
      );
    return ids;
  } finally {
    await worker.close();
  }
}

async function age(ids: string[], days: number): Promise<void> {
  await sql`UPDATE webhook_deliveries SET completed_at = now() - ${days} * interval '1 day', created_at = now() - ${days} * interval '1 day' WHERE id = ANY(${ids})`.execute(
    f.ctx.db,
  );
  await sql`UPDATE webhook_events SET created_at = now() - ${days} * interval '1 day' WHERE id IN (SELECT event_id FROM webhook_deliveries WHERE id = ANY(${ids}))`.execute(
    f.ctx.db,
  );
}

describe('retention', () => {
  it('deletes settled deliveries older than the period, their attempts and orphaned events; never pending ones', async () => {
    const [old1, old2, recent] = await deliverSome(3);
    await age([old1 ?? '', old2 ?? ''], 40);
    await sql`UPDATE webhook_deliveries SET status = 'pending', completed_at = NULL WHERE id = ${old2 ?? ''}`.execute(
      f.ctx.db,
    );
    const result = await deleteOldDeliveries(f.ctx.db, 30 * 86_400_000);
    expect(result).toEqual({ attempts: 1, deliveries: 1, events: 1 });
    expect(await f.producer.getDelivery(old1 ?? '')).toBeUndefined();
    expect(await f.producer.getDelivery(old2 ?? '')).toMatchObject({ status: 'pending' });
    expect(await f.producer.getDelivery(recent ?? '')).toMatchObject({ status: 'succeeded' });
    expect(await deleteOldDeliveries(f.ctx.db, 30 * 86_400_000)).toEqual({
      attempts: 0,
      deliveries: 0,
      events: 0,
    });
  });

  it('runs on a schedule in the worker', async () => {
    const [doomed] = await deliverSome(1);
    await age([doomed ?? ''], 2);
    const worker = createWorker({
      settings: f.ctx.withSettings({
        WEBHOOK_RETENTION_DAYS: '1',
        WEBHOOK_RETENTION_INTERVAL_MS: '1000',
      }),
    });
    try {
      await waitFor(
        async () => ((await f.producer.getDelivery(doomed ?? '')) === undefined ? true : undefined),
        {
          what: 'the scheduled cleanup',
        },
      );
    } finally {
      await worker.close();
    }
  });
});

describe('the foreign key check of a deleted event', () => {
  it('finds the deliveries of an event by their key, even as a generic plan made on an empty table', async () => {
    // Postgres runs this lookup for every event retention deletes, with a plan made once per
    // connection: without an index on (organization_id, event_id) it read every delivery of the
    // organization for each event.
    const plan = await f.ctx.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
      await sql
        .raw(
          'PREPARE lw_fk_check (text, text) AS SELECT 1 FROM ONLY webhook_deliveries x ' +
            'WHERE organization_id = $1 AND event_id = $2 FOR KEY SHARE OF x',
        )
        .execute(trx);
      const explained = await sql
        .raw<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE lw_fk_check ('org-a', 'evt_1')`)
        .execute(trx);
      await sql`DEALLOCATE lw_fk_check`.execute(trx);
      return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('webhook_deliveries_event_key');
    expect(plan).not.toContain('webhook_deliveries_org_idx');
  });
});
