import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, JobAuthenticator, type DeliveryJobData } from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { createTestContext, waitFor, type TestContext } from '../../../test/support/harness.js';
import { knownState } from '../src/recording/known-state.js';

let ctx: TestContext;
let queue: Queue<DeliveryJobData>;

beforeAll(async () => {
  ctx = await createTestContext();
  queue = new Queue(ctx.settings.queueName, {
    connection: ctx.redis,
    prefix: ctx.settings.queuePrefix,
  });
});

afterAll(async () => {
  await queue.close();
  await ctx.cleanup();
});

const data: DeliveryJobData = {
  deliveryId: 'dlv_x',
  eventId: 'evt_x',
  endpointId: 'ep_x',
  eventType: 'agent.step.completed',
  agentId: 'agent-1',
  organizationId: 'org-a',
  occurredAt: new Date(0).toISOString(),
  body: '{}',
  trigger: 'scheduled',
  stored: true,
};

describe('the state a delivery job proves without a read', () => {
  it('is pending with no attempt only on the first run of a job the durable publish stored', () => {
    expect(knownState({ data, attemptsMade: 0, attemptsStarted: 1 })).toEqual({
      status: 'pending',
      attemptCount: 0,
    });
    // A retry, a re-run after a stall or a postponement: a run before may have changed the row.
    expect(knownState({ data, attemptsMade: 1, attemptsStarted: 2 })).toBeUndefined();
    expect(knownState({ data, attemptsMade: 0, attemptsStarted: 2 })).toBeUndefined();
    // Resends and test events, and jobs no durable publish stored (relay, reconciler, fast mode).
    expect(
      knownState({ data: { ...data, trigger: 'manual' }, attemptsMade: 0, attemptsStarted: 1 }),
    ).toBeUndefined();
    const unstored: DeliveryJobData = { ...data };
    delete unstored.stored;
    expect(knownState({ data: unstored, attemptsMade: 0, attemptsStarted: 1 })).toBeUndefined();
  });

  it('is covered by the job MAC: a signed job that gains the mark is refused', () => {
    const auth = new JobAuthenticator([{ id: 'k1', key: randomBytes(32) }]);
    const unmarked: DeliveryJobData = { ...data };
    delete unmarked.stored;
    const signed = auth.sign(unmarked);
    expect(auth.verify(signed).ok).toBe(true);
    expect(auth.verify({ ...signed, stored: true })).toEqual({
      ok: false,
      reason: 'job MAC does not match its data',
    });
    expect(auth.verify(auth.sign(data)).ok).toBe(true);
  });

  it('is claimed by the durable publish only, for the deliveries it committed', async () => {
    const publishAs = async (mode: 'durable' | 'fast') => {
      const producer: Producer = createProducer({
        settings: ctx.withSettings({ WEBHOOK_PUBLISH_MODE: mode }),
        organizationId: 'org-a',
      });
      try {
        const agentId = `agent-${mode}`;
        await producer.createEndpoint({
          url: 'http://127.0.0.1:9/hook',
          organizationId: 'org-a',
          agentId,
          eventTypes: ['*'],
        });
        const { deliveries } = await producer.publishEvent(
          agentId,
          'agent.step.completed',
          EXAMPLE_EVENT_DATA['agent.step.completed'],
        );
        const [delivery] = deliveries;
        if (delivery === undefined) throw new Error('expected one delivery');
        // A durable publish resolves at its commit and enqueues right after.
        return await waitFor(async () => (await queue.getJob(delivery.deliveryId))?.data, {
          what: `the job of ${delivery.deliveryId}`,
        });
      } finally {
        await producer.close();
      }
    };
    expect((await publishAs('durable')).stored).toBe(true);
    const fast = await publishAs('fast');
    expect(fast.deliveryId).toMatch(/^dlv_/);
    expect(fast.stored).toBeUndefined();
  });
});
