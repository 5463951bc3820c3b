import { beforeEach, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA, newId } from '@letta-webhooks/shared';
import { sql } from 'kysely';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { asError, rejection } from '../../../test/support/errors.js';
import { waitFor } from '../../../test/support/harness.js';
import { freePort, startPrivateRedis } from '../../../test/support/private-redis.js';
import { createProducer } from '../src/index.js';
import { INSERT_EVENTS } from '../src/publish/commit-events.js';

// A busy CI machine can hold 200 concurrent publishes past the default 2 s.
const f = useDeliveryFixture({
  settings: { WEBHOOK_PUBLISH_TIMEOUT_MS: '15000' },
  noReceiver: true,
  resetEachTest: true,
});
let endpointId: string;

beforeEach(async () => {
  endpointId = (
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-a',
      eventTypes: ['*'],
    })
  ).id;
});

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

const rows = (eventId: string) =>
  sql<{ id: string; status: string; attempt_count: number; enqueued: boolean }>`
    SELECT id, status, attempt_count, enqueued_at IS NOT NULL AS enqueued
    FROM webhook_deliveries WHERE event_id = ${eventId}
  `
    .execute(f.ctx.db)
    .then((result) => result.rows);

describe('durable publish (the default)', () => {
  it('resolves with the event and its delivery committed (pending, 0 attempts, in the log) and the job queued', async () => {
    expect(f.ctx.settings.publishMode).toBe('durable');
    const result = await f.producer.publishEvent('agent-1', 'agent.step.completed', step);
    const deliveryId = result.deliveries[0]?.deliveryId ?? '';
    expect(await rows(result.eventId)).toEqual([
      { id: deliveryId, status: 'pending', attempt_count: 0, enqueued: true },
    ]);
    const logged = await f.producer.getDelivery(deliveryId);
    expect(logged).toMatchObject({ status: 'pending', attemptCount: 0, endpointId });
    expect(logged?.attempts).toEqual([]);
    // The job follows the commit.
    await waitFor(() => f.queue.getJob(deliveryId));
  });

  it('group-commits concurrent publishes: every one resolves committed', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        f.producer.publishEvent('agent-1', 'agent.step.completed', step),
      ),
    );
    const ids = results.map((r) => r.deliveries[0]?.deliveryId ?? '');
    const { rows: stored } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM webhook_deliveries WHERE id = ANY(${ids}) AND status = 'pending'
    `.execute(f.ctx.db);
    expect(Number(stored[0]?.n)).toBe(200);
    await waitFor(async () => ((await f.queue.getWaitingCount()) === 200 ? true : undefined));
  });

  it('answers a repeated event id with the same input the same way, with no second delivery', async () => {
    const eventId = newId('evt');
    const first = await f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
      eventId,
    });
    // The same data with its keys in another order is the same input.
    const reordered = Object.fromEntries(Object.entries(step).reverse()) as typeof step;
    const again = await f.producer.publishEvent('agent-1', 'agent.step.completed', reordered, {
      eventId,
    });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId }),
      ),
    );
    for (const answer of [again, ...concurrent]) expect(answer).toEqual(first);
    expect(await rows(eventId)).toHaveLength(1);
    // Repeats may enqueue again, under the same job id: never a second job.
    await waitFor(() => f.queue.getJob(first.deliveries[0]?.deliveryId ?? ''));
    const jobs = await f.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.map((job) => job.id)).toEqual([first.deliveries[0]?.deliveryId]);
  });

  it('refuses a repeated event id with a different input: CONFLICT naming eventId, nothing changed', async () => {
    const eventId = newId('evt');
    await f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId });
    const before = await rows(eventId);
    const conflicts = [
      f.producer.publishEvent(
        'agent-1',
        'agent.step.completed',
        { ...step, id: 'step-other' },
        { eventId },
      ),
      f.producer.publishEvent('agent-2', 'agent.step.completed', step, { eventId }),
    ];
    for (const attempt of conflicts) {
      const error = await rejection(attempt);
      expect(error.code).toBe('CONFLICT');
      expect(error.field).toBe('eventId');
    }
    expect(await rows(eventId)).toEqual(before);
    // In a batch the conflicting event is named by its index; the others are published.
    const other = newId('evt');
    const batch = await rejection(
      f.producer.publishEvents([
        {
          agentId: 'agent-1',
          eventType: 'agent.step.completed',
          data: step,
          options: { eventId: other },
        },
        { agentId: 'agent-9', eventType: 'agent.step.completed', data: step, options: { eventId } },
      ]),
    );
    expect(batch.code).toBe('CONFLICT');
    expect(batch.field).toBe('events.1.eventId');
    expect(await rows(other)).toHaveLength(1);
  });

  it('scopes event ids to their organization: another organization may use the same id', async () => {
    const eventId = newId('evt');
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-b',
      eventTypes: ['*'],
    });
    const a = await f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId });
    const b = await f.producer.publishEvent(
      'agent-9',
      'agent.tool.attached',
      EXAMPLE_EVENT_DATA['agent.tool.attached'],
      {
        eventId,
        organizationId: 'org-b',
      },
    );
    expect(b.eventId).toBe(eventId);
    expect(b.deliveries).toHaveLength(1);
    expect(b.deliveries[0]?.deliveryId).not.toBe(a.deliveries[0]?.deliveryId);
    expect(await rows(eventId)).toHaveLength(2);
    const stored = await sql<{ organization_id: string; event_type: string }>`
      SELECT organization_id, event_type FROM webhook_events WHERE id = ${eventId} ORDER BY organization_id
    `.execute(f.ctx.db);
    expect(stored.rows.map((r) => [r.organization_id, r.event_type])).toEqual([
      ['org-a', 'agent.step.completed'],
      ['org-b', 'agent.tool.attached'],
    ]);
    // Each organization's repeat still answers its own first publish.
    expect(
      await f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId }),
    ).toEqual(a);
    expect((await f.producer.getDelivery(b.deliveries[0]?.deliveryId ?? ''))?.body).toContain(
      'agent.tool.attached',
    );
  });

  it('the transactional form answers repeats and conflicts the same way', async () => {
    const eventId = newId('evt');
    const first = await f.ctx.db.transaction().execute((trx) =>
      f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
        eventId,
        transaction: trx,
      }),
    );
    expect(
      await f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId }),
    ).toEqual(first);
    const error = await rejection(
      f.ctx.db.transaction().execute((trx) =>
        f.producer.publishEvent('agent-2', 'agent.step.completed', step, {
          eventId,
          transaction: trx,
        }),
      ),
    );
    expect(error.code).toBe('CONFLICT');
  });

  it('succeeds while Redis is down, leaving the deliveries to the relay (enqueued_at unset)', async () => {
    const redis = await startPrivateRedis();
    const settings = f.ctx.withSettings({ REDIS_URL: redis.url });
    const cut = createProducer({ settings, organizationId: 'org-a' });
    try {
      await cut.publishEvent('agent-1', 'agent.step.completed', step); // connected once
      await redis.kill();
      // Resolved with Redis still down (it never comes back), the jobs left to the relay.
      const result = await cut.publishEvent('agent-1', 'agent.step.completed', step);
      expect(await rows(result.eventId)).toEqual([
        {
          id: result.deliveries[0]?.deliveryId,
          status: 'pending',
          attempt_count: 0,
          enqueued: false,
        },
      ]);
    } finally {
      await cut.close();
      await redis.stop();
    }
  });

  it('fails fast with DATABASE_UNAVAILABLE when Postgres is down', async () => {
    const port = await freePort();
    const settings = f.ctx.withSettings({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere`,
    });
    const down = createProducer({ settings, organizationId: 'org-a' });
    try {
      const error = await rejection(down.publishEvent('agent-1', 'agent.step.completed', step));
      expect(error.code).toBe('DATABASE_UNAVAILABLE');
      // Failed on the refused connection, not by waiting for an answer.
      expect(asError(error.cause).message).toMatch(/ECONNREFUSED/);
    } finally {
      await down.close();
    }
  });
});

describe('the commit statement', () => {
  it('finds a stored event by a primary-key probe even as a generic plan made on an empty table', async () => {
    // A named statement is planned once per connection, often while the table is still
    // small: a plan that scanned webhook_events then would scan it on every commit later.
    const plan = await f.ctx.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
      await sql.raw(`PREPARE lw_plan_check AS ${INSERT_EVENTS.text}`).execute(trx);
      const explained = await sql
        .raw<{ 'QUERY PLAN': string }>(
          `EXPLAIN EXECUTE lw_plan_check ('', '', '', '', '', '', '', '', '', '', true)`,
        )
        .execute(trx);
      await sql`DEALLOCATE lw_plan_check`.execute(trx);
      return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('Index Scan using webhook_events_pkey on webhook_events x');
    expect(plan).not.toMatch(/Seq Scan on webhook_(events|deliveries)/);
  });
});

describe('fast publish (WEBHOOK_PUBLISH_MODE=fast)', () => {
  it('enqueues in Redis only: no row until a worker records an attempt', async () => {
    const fast = createProducer({
      settings: f.ctx.withSettings({ WEBHOOK_PUBLISH_MODE: 'fast' }),
      organizationId: 'org-a',
    });
    try {
      const result = await fast.publishEvent('agent-1', 'agent.step.completed', step);
      expect(await rows(result.eventId)).toEqual([]);
      await waitFor(() => f.queue.getJob(result.deliveries[0]?.deliveryId ?? ''));
    } finally {
      await fast.close();
    }
  });
});
