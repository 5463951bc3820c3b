import { beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_TYPES, verifyWebhook } from '@letta-webhooks/shared';
import { AgentService } from '../../examples/agent-service/agent-service.js';
import { useDeliveryFixture } from '../support/delivery-fixture.js';
import { waitFor } from '../support/harness.js';

const f = useDeliveryFixture({ organizationId: null, workersLiveFor: 'file' });

beforeAll(() => {
  f.startWorker();
});

describe('example agent service', () => {
  it('publishes each of the eight events from its lifecycle, delivered and verifiable', async () => {
    const endpoint = await f.producer.createEndpoint({
      url: f.receiver.url('/all'),
      organizationId: 'org-example',
      eventTypes: ['*'],
    });
    const service = new AgentService(f.producer, 'org-example');
    const tool = { id: 'tool-search', name: 'web_search', tool_type: 'letta_builtin' } as const;
    const attached = await service.attachTool('agent-1', tool);
    const turn = await service.runTurn('agent-1', 'hello', f.receiver.url('/callback'));
    await service.completeJob('agent-1', 'batch');
    await service.detachTool('agent-1', 'tool-search');
    // A retried request publishes the same event id: the same delivery, not a second one.
    expect((await service.attachTool('agent-1', tool)).deliveries).toEqual(attached.deliveries);
    await waitFor(() => (f.receiver.requestsTo('/all').length === 8 ? true : undefined), {
      what: 'eight deliveries',
    });
    const types = f.receiver
      .requestsTo('/all')
      .map((r) => verifyWebhook(r.body, r.headers, endpoint.secret).event_type);
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    await waitFor(() => (f.receiver.requestsTo('/callback').length === 1 ? true : undefined), {
      what: 'the callback',
    });
    const callback = f.receiver.requestsTo('/callback')[0];
    const secret = await f.producer.getCallbackSecret('org-example');
    expect(verifyWebhook(callback?.body ?? '', callback?.headers ?? {}, secret).data).toMatchObject(
      { id: turn.runId },
    );
  });
});
