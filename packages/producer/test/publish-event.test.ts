import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA, MAX_ATTEMPTS_LIMIT } from '@letta-webhooks/shared';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { rejection } from '../../../test/support/errors.js';
import { waitFor } from '../../../test/support/harness.js';
import { createProducer } from '../src/index.js';

const f = useDeliveryFixture({ noReceiver: true, resetEachTest: true });

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

// Durable publish resolves once committed; its jobs reach Redis right after.
async function queued(count: number): Promise<void> {
  await waitFor(async () => ((await f.queue.count()) === count ? true : undefined), {
    what: `${count} queued jobs`,
  });
}

describe('publishEvent', () => {
  it('enqueues one job per matching endpoint, with the serialized envelope and no secret', async () => {
    const endpoint = await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-a',
      agentId: 'agent-1',
      eventTypes: ['agent.step.completed'],
    });
    const occurredAt = '2026-01-01T12:00:00.000Z';
    const result = await f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
      occurredAt,
    });
    expect(result.eventId).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(result.deliveries).toEqual([
      { deliveryId: expect.stringMatching(/^dlv_/), endpointId: endpoint.id },
    ]);

    const job = await waitFor(() => f.queue.getJob(result.deliveries[0]?.deliveryId ?? ''));
    // BullMQ's ceiling only: the workers' retry policy decides when a delivery stops.
    expect(job?.opts.attempts).toBe(MAX_ATTEMPTS_LIMIT);
    const body: unknown = (job?.data as { body?: unknown } | undefined)?.body;
    expect(JSON.parse(String(body))).toEqual({
      event_id: result.eventId,
      event_type: 'agent.step.completed',
      timestamp: occurredAt,
      agent_id: 'agent-1',
      organization_id: 'org-a',
      data: step,
    });
    const everything = JSON.stringify(
      await Promise.all((await f.ctx.redisKeys()).map((k) => f.ctx.redis.dump(k))),
    );
    expect(everything).not.toContain(endpoint.secret.slice(6));
  });

  it('fans out to agent-specific and organization-wide endpoints, honouring wildcards', async () => {
    const mk = (agentId: string | undefined, eventTypes: string[], organizationId = 'org-a') =>
      f.producer.createEndpoint({
        url: 'http://127.0.0.1:9/hook',
        organizationId,
        eventTypes,
        ...(agentId === undefined ? {} : { agentId }),
      });
    const exact = await mk('agent-1', ['agent.step.completed']);
    const prefix = await mk('agent-1', ['agent.*']);
    const all = await mk(undefined, ['*']);
    const orgTools = await mk(undefined, ['tool.*']);
    await mk('agent-2', ['*']);
    await mk(undefined, ['*'], 'org-b');
    await mk('agent-1', ['*'], 'org-b');

    const stepResult = await f.producer.publishEvent('agent-1', 'agent.step.completed', step);
    expect(stepResult.deliveries.map((d) => d.endpointId).sort()).toEqual(
      [exact.id, prefix.id, all.id].sort(),
    );

    const toolResult = await f.producer.publishEvent(
      'agent-1',
      'tool.execution.completed',
      EXAMPLE_EVENT_DATA['tool.execution.completed'],
    );
    expect(toolResult.deliveries.map((d) => d.endpointId).sort()).toEqual(
      [all.id, orgTools.id].sort(),
    );
    await queued(5);
  });

  it('does not touch Redis for an event no endpoint wants', async () => {
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-a',
      eventTypes: ['agent.run.completed'],
    });
    const result = await f.producer.publishEvent('agent-1', 'agent.step.completed', step);
    expect(result.deliveries).toEqual([]);
    expect(await f.ctx.redisKeys()).toEqual([]);
  });

  it('creates no second delivery when the same event id is published twice', async () => {
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    // Its own producer: closing it is part of the test.
    const own = createProducer({ settings: f.ctx.settings, organizationId: 'org-a' });
    f.afterThisTest(() => own.close());
    const first = await own.publishEvent('agent-1', 'agent.step.completed', step, {
      eventId: 'evt_same',
    });
    const second = await own.publishEvent('agent-1', 'agent.step.completed', step, {
      eventId: 'evt_same',
    });
    expect(second).toEqual(first);
    await queued(1);
    await own.close(); // waits for every enqueue
    expect(await f.queue.count()).toBe(1);
  });

  it('sees endpoint changes at once (cache invalidated)', async () => {
    const cached = createProducer({
      settings: f.ctx.withSettings({ WEBHOOK_ENDPOINT_CACHE_TTL_MS: '60000' }),
    });
    try {
      const options = { organizationId: 'org-a' };
      expect(
        (await cached.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries,
      ).toHaveLength(0);
      const endpoint = await cached.createEndpoint({
        url: 'http://127.0.0.1:9/h',
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      expect(
        (await cached.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries,
      ).toHaveLength(1);
      await cached.deleteEndpoint(endpoint.id);
      expect(
        (await cached.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries,
      ).toHaveLength(0);
    } finally {
      await cached.close();
    }
  });

  describe('bad input: a typed error naming the field, nothing enqueued', () => {
    beforeEach(async () => {
      await f.producer.createEndpoint({
        url: 'http://127.0.0.1:9/hook',
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
    });
    afterEach(async () => {
      expect(await f.queue.count()).toBe(0);
    });

    it('unknown event type', async () => {
      const error = await rejection(
        f.producer.publishEvent('agent-1', 'agent.exploded' as 'agent.step.completed', step),
      );
      expect(error).toMatchObject({
        name: 'WebhookError',
        code: 'UNKNOWN_EVENT_TYPE',
        field: 'eventType',
      });
    });

    it('data failing its schema', async () => {
      const bad = {
        ...step,
        usage: { ...step.usage, total_tokens: 'many' },
      } as unknown as typeof step;
      const error = await rejection(
        f.producer.publishEvent('agent-1', 'agent.step.completed', bad),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'data.usage.total_tokens' });
    });

    it('missing agent id', async () => {
      const error = await rejection(
        f.producer.publishEvent(undefined as unknown as string, 'agent.step.completed', step),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'agentId' });
      expect(
        (await rejection(f.producer.publishEvent('', 'agent.step.completed', step))).field,
      ).toBe('agentId');
    });

    it('header injection attempts in ids that become headers or body fields', async () => {
      const injected = 'agent-1\r\nX-Injected: yes';
      expect(
        (await rejection(f.producer.publishEvent(injected, 'agent.step.completed', step))).field,
      ).toBe('agentId');
      expect(
        (
          await rejection(
            f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
              organizationId: 'org\nx',
            }),
          )
        ).field,
      ).toBe('organizationId');
      expect(
        (
          await rejection(
            f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
              eventId: 'evt_a\r\nb',
            }),
          )
        ).field,
      ).toBe('eventId');
      expect(
        (
          await rejection(
            f.producer.publishEvent(
              'agent-1',
              'agent.step.completed\r\n' as 'agent.step.completed',
              step,
            ),
          )
        ).field,
      ).toBe('eventType');
    });

    it('a body over the size limit', async () => {
      const small = createProducer({
        settings: f.ctx.withSettings({ WEBHOOK_MAX_PAYLOAD_BYTES: '1024' }),
        organizationId: 'org-a',
      });
      try {
        const big = { ...step, error_data: { blob: 'x'.repeat(2_000) } };
        const error = await rejection(small.publishEvent('agent-1', 'agent.step.completed', big));
        expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'data' });
        expect(error.message).toMatch(/over the 1024-byte limit/);
      } finally {
        await small.close();
      }
    });

    it('data that cannot be serialized (BigInt, cycles)', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const extra of [{ n: 10n }, cyclic]) {
        const error = await rejection(
          f.producer.publishEvent('agent-1', 'agent.step.completed', { ...step, extra }),
        );
        expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'data' });
      }
    });

    it('bad options', async () => {
      expect(
        (
          await rejection(
            f.producer.publishEvent('agent-1', 'agent.step.completed', step, { eventId: 'nope' }),
          )
        ).field,
      ).toBe('eventId');
      expect(
        (
          await rejection(
            f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
              occurredAt: 'yesterday',
            }),
          )
        ).field,
      ).toBe('occurredAt');
      const noOrg = createProducer({ settings: f.ctx.settings });
      try {
        expect(
          (await rejection(noOrg.publishEvent('agent-1', 'agent.step.completed', step))).field,
        ).toBe('organizationId');
      } finally {
        await noOrg.close();
      }
    });
  });
});

describe('endpoints', () => {
  it('refuse URLs that are not http(s), not URLs, or private addresses', async () => {
    const strict = createProducer({ settings: f.ctx.withSettings({ WEBHOOK_ALLOWED_CIDRS: '' }) });
    try {
      for (const url of [
        'ftp://example.com/x',
        'not a url',
        'javascript:alert(1)',
        'http://10.0.0.1/hook',
        'http://[::1]/',
      ]) {
        const error = await rejection(
          strict.createEndpoint({ url, organizationId: 'org-a', eventTypes: ['*'] }),
        );
        expect(error.field).toBe('url');
        expect(error.code).toBe('INVALID_URL');
      }
    } finally {
      await strict.close();
    }
  });

  it('refuse unknown event types and malformed secrets, naming the field', async () => {
    const base = { url: 'http://127.0.0.1:9/', organizationId: 'org-a' };
    expect(
      (await rejection(f.producer.createEndpoint({ ...base, eventTypes: ['agent.nope'] }))).field,
    ).toBe('eventTypes.0');
    expect((await rejection(f.producer.createEndpoint({ ...base, eventTypes: [] }))).field).toBe(
      'eventTypes',
    );
    expect(
      (await rejection(f.producer.createEndpoint({ ...base, eventTypes: ['*'], secret: 'abc' })))
        .field,
    ).toBe('secret');
    expect((await f.producer.listEndpoints()).data).toEqual([]);
  });

  it('create, get, list and delete', async () => {
    const created = await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/a',
      organizationId: 'org-a',
      agentId: 'agent-1',
      eventTypes: ['agent.*', 'agent.*'],
      description: 'CRM sync',
      metadata: { team: 'growth' },
    });
    expect(created.secret).toMatch(/^whsec_/);
    const fetched = await f.producer.getEndpoint(created.id);
    expect(fetched).toMatchObject({
      id: created.id,
      eventTypes: ['agent.*'],
      description: 'CRM sync',
      enabled: true,
    });
    expect(fetched).not.toHaveProperty('secret');
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/b',
      organizationId: 'org-b',
      eventTypes: ['*'],
    });
    expect(
      (await f.producer.listEndpoints({ organizationId: 'org-a' })).data.map((e) => e.id),
    ).toEqual([created.id]);
    expect((await f.producer.listEndpoints()).data).toHaveLength(2);
    await f.producer.deleteEndpoint(created.id);
    expect(await f.producer.getEndpoint(created.id)).toBeUndefined();
    expect((await rejection(f.producer.deleteEndpoint(created.id))).code).toBe('NOT_FOUND');
  });
});

describe('publishEvents (batch)', () => {
  it('publishes many events in one round trip, and a bad one fails the batch naming its index', async () => {
    await f.producer.createEndpoint({
      url: 'http://127.0.0.1:9/hook',
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    const batch = Array.from({ length: 50 }, (_, i) => ({
      agentId: `agent-${i % 5}`,
      eventType: 'agent.step.completed' as const,
      data: EXAMPLE_EVENT_DATA['agent.step.completed'],
    }));
    const results = await f.producer.publishEvents(batch);
    expect(results).toHaveLength(50);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(50);
    await queued(50);

    const bad = [
      ...batch.slice(0, 3),
      { ...batch[0], data: { ...EXAMPLE_EVENT_DATA['agent.step.completed'], id: 'nope' } },
    ];
    const error = await rejection(f.producer.publishEvents(bad as typeof batch));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'events.3.data.id' });
    expect(await f.queue.count()).toBe(50);
  });
});
