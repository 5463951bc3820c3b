import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer, type Producer } from '@letta-webhooks/producer';
import { EVENT_TYPES, verifyWebhook } from '@letta-webhooks/shared';
import { createWorker, type WebhookWorker } from '@letta-webhooks/worker';
import { AgentService } from '../../examples/agent-service/agent-service.js';
import { createTestContext, waitFor, type TestContext } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

let ctx: TestContext;
let producer: Producer;
let receiver: Receiver;
let worker: WebhookWorker;

beforeAll(async () => {
  ctx = await createTestContext();
  producer = createProducer({ settings: ctx.settings });
  receiver = await startReceiver();
  worker = createWorker({ settings: ctx.settings });
});

afterAll(async () => {
  await worker.close();
  await producer.close();
  await receiver.close();
  await ctx.cleanup();
});

describe('example agent service', () => {
  it('publishes each of the eight events from its lifecycle, delivered and verifiable', async () => {
    const endpoint = await producer.createEndpoint({
      url: receiver.url('/all'),
      organizationId: 'org-example',
      eventTypes: ['*'],
    });
    const service = new AgentService(producer, 'org-example');
    const tool = { id: 'tool-search', name: 'web_search', tool_type: 'letta_builtin' } as const;
    const attached = await service.attachTool('agent-1', tool);
    const turn = await service.runTurn('agent-1', 'hello', receiver.url('/callback'));
    await service.completeJob('agent-1', 'batch');
    await service.detachTool('agent-1', 'tool-search');
    // A retried request publishes the same event id: the same delivery, not a second one.
    expect((await service.attachTool('agent-1', tool)).deliveries).toEqual(attached.deliveries);
    await waitFor(() => (receiver.requestsTo('/all').length === 8 ? true : undefined), {
      what: 'eight deliveries',
    });
    const types = receiver
      .requestsTo('/all')
      .map((r) => verifyWebhook(r.body, r.headers, endpoint.secret).event_type);
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    await waitFor(() => (receiver.requestsTo('/callback').length === 1 ? true : undefined), {
      what: 'the callback',
    });
    const callback = receiver.requestsTo('/callback')[0];
    const secret = await producer.getCallbackSecret('org-example');
    expect(verifyWebhook(callback?.body ?? '', callback?.headers ?? {}, secret).data).toMatchObject(
      { id: turn.runId },
    );
  });
});
