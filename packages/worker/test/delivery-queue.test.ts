import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestContext, type TestContext } from '../../../test/support/harness.js';
import { RECORD_ATTEMPTS } from '../src/recording/record-attempts-statement.js';

// The pending set the reconciler and the outbox relay read (webhook_delivery_queue)
// follows every write to webhook_deliveries, and settling a delivery through the
// recording statement touches no index of webhook_deliveries (a HOT update).

let ctx: TestContext;
let client: pg.Client;

beforeAll(async () => {
  ctx = await createTestContext();
  client = new pg.Client({ connectionString: ctx.settings.databaseUrl });
  await client.connect();
  await client.query(`
    INSERT INTO webhook_endpoints (id, organization_id, url, secret, event_types)
      VALUES ('ep_q', 'org-q', 'http://127.0.0.1:9/q', 'unused', ARRAY['*']);
  `);
});

afterAll(async () => {
  await client.end();
  await ctx.cleanup();
});

async function queued(): Promise<{ delivery_id: string; enqueued: boolean }[]> {
  const { rows } = await client.query<{ delivery_id: string; enqueued: boolean }>(
    'SELECT delivery_id, enqueued_at IS NOT NULL AS enqueued FROM webhook_delivery_queue ORDER BY delivery_id',
  );
  return rows;
}

async function insertPending(ids: readonly string[], enqueued: boolean): Promise<void> {
  await client.query(
    `WITH event AS (
       INSERT INTO webhook_events (id, event_type, organization_id, agent_id, body, occurred_at)
       SELECT 'evt_' || id, 'agent.run.completed', 'org-q', 'agent-q', '{}', now() FROM unnest($1::text[]) AS id
     )
     INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, organization_id, agent_id, status, enqueued_at)
     SELECT id, 'evt_' || id, 'ep_q', 'agent.run.completed', 'org-q', 'agent-q', 'pending',
       CASE WHEN $2::boolean THEN now() END
     FROM unnest($1::text[]) AS id`,
    [ids, enqueued],
  );
}

// One succeeded first attempt of a stored delivery, as the worker records it.
function succeeded(deliveryId: string): unknown[] {
  const now = new Date().toISOString();
  const one = <T>(value: T) => [value];
  return [
    one(deliveryId),
    one(`evt_${deliveryId}`),
    one('ep_q'),
    one('agent.run.completed'),
    one('org-q'),
    one('agent-q'),
    one(null),
    one(now),
    one('succeeded'),
    one(200),
    one(null),
    one('scheduled'),
    one(null),
    one(1),
    one('succeeded'),
    one(null),
    one(null),
    one('ok'),
    one(false),
    one(now),
    one(5),
    one('success'),
    one(false),
    0,
  ];
}

describe('the pending deliveries queue', () => {
  it('holds exactly the pending deliveries, through outbox, settling, resend, delete and truncate', async () => {
    await insertPending(['dlv_q1', 'dlv_q2'], false);
    await insertPending(['dlv_q3'], true);
    expect(await queued()).toEqual([
      { delivery_id: 'dlv_q1', enqueued: false },
      { delivery_id: 'dlv_q2', enqueued: false },
      { delivery_id: 'dlv_q3', enqueued: true },
    ]);

    // The relay enqueues one; the worker settles another.
    await client.query("UPDATE webhook_deliveries SET enqueued_at = now() WHERE id = 'dlv_q1'");
    await client.query({ ...RECORD_ATTEMPTS, values: succeeded('dlv_q3') });
    expect(await queued()).toEqual([
      { delivery_id: 'dlv_q1', enqueued: true },
      { delivery_id: 'dlv_q2', enqueued: false },
    ]);

    // A resend makes the settled delivery pending again; a cancel settles one.
    await client.query(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() WHERE id = 'dlv_q3'",
    );
    await client.query(
      "UPDATE webhook_deliveries SET status = 'cancelled', completed_at = now() WHERE id = 'dlv_q2'",
    );
    expect(await queued()).toEqual([
      { delivery_id: 'dlv_q1', enqueued: true },
      { delivery_id: 'dlv_q3', enqueued: true },
    ]);

    await client.query("DELETE FROM webhook_deliveries WHERE id = 'dlv_q1'");
    expect(await queued()).toEqual([{ delivery_id: 'dlv_q3', enqueued: true }]);
    await client.query('TRUNCATE webhook_attempts, webhook_deliveries');
    expect(await queued()).toEqual([]);
    // A TRUNCATE naming every table (the fault suite's reset) works too.
    await insertPending(['dlv_q4'], true);
    await client.query('TRUNCATE webhook_attempts, webhook_deliveries, webhook_delivery_queue');
    expect(await queued()).toEqual([]);
  });

  it('settles a delivery with a HOT update: no index of webhook_deliveries is written', async () => {
    await insertPending(['dlv_hot'], true);
    // Counts not yet flushed to the statistics collector: read them before and after.
    const counts = async () =>
      (
        await client.query<{ updated: string; hot: string }>(`
          SELECT pg_stat_get_xact_tuples_updated('webhook_deliveries'::regclass) AS updated,
            pg_stat_get_xact_tuples_hot_updated('webhook_deliveries'::regclass) AS hot`)
      ).rows[0];
    await client.query('BEGIN');
    try {
      const before = await counts();
      await client.query({ ...RECORD_ATTEMPTS, values: succeeded('dlv_hot') });
      const after = await counts();
      expect({
        updated: Number(after?.updated) - Number(before?.updated),
        hot: Number(after?.hot) - Number(before?.hot),
      }).toEqual({ updated: 1, hot: 1 });
    } finally {
      await client.query('COMMIT');
    }
    const { rows } = await client.query<{ status: string }>(
      "SELECT status FROM webhook_deliveries WHERE id = 'dlv_hot'",
    );
    expect(rows).toEqual([{ status: 'succeeded' }]);
    expect(await queued()).toEqual([]);
  });

  it('finds queue rows by primary key, even on a connection whose first batch was large and the queue small', async () => {
    // PL/pgSQL plans a trigger's statement on its first run in a connection and keeps the plan.
    const ids = Array.from({ length: 3_000 }, (_, i) => `dlv_plan${String(i).padStart(4, '0')}`);
    await insertPending(ids, true);
    const fresh = new pg.Client({ connectionString: ctx.settings.databaseUrl });
    await fresh.connect();
    const plans: string[] = [];
    fresh.on('notice', (notice) => plans.push(notice.message ?? ''));
    try {
      await fresh.query(`LOAD 'auto_explain'`);
      await fresh.query('SET auto_explain.log_min_duration = 0');
      await fresh.query('SET auto_explain.log_nested_statements = on');
      await fresh.query('SET client_min_messages = log');
      await fresh.query(
        "UPDATE webhook_deliveries SET status = 'succeeded', completed_at = now() WHERE id = ANY($1::text[])",
        [ids.slice(0, 2_000)],
      );
    } finally {
      await fresh.end();
    }
    const settle = plans.find((plan) => plan.includes('DELETE FROM webhook_delivery_queue'));
    expect(settle).toContain('Index Scan using webhook_delivery_queue_pkey');
    expect(settle).not.toMatch(/Seq Scan on webhook_delivery_queue|Hash Join|Merge Join/);
    expect(await queued()).toHaveLength(1_000);
  });
});
