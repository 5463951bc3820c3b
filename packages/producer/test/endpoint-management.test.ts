import { describe, expect, it } from '@jest/globals';
import { EXAMPLE_EVENT_DATA, SecretCipher, generateSecret } from '@letta-webhooks/shared';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { rejection } from '../../../test/support/errors.js';
import { waitFor } from '../../../test/support/harness.js';
import { createProducer, MAX_PREVIOUS_SECRETS, type Producer } from '../src/index.js';

const f = useDeliveryFixture({ noReceiver: true, resetEachTest: true });

const create = (overrides: Partial<Parameters<Producer['createEndpoint']>[0]> = {}) =>
  f.producer.createEndpoint({
    url: 'http://127.0.0.1:9/hook',
    organizationId: 'org-a',
    eventTypes: ['*'],
    ...overrides,
  });

describe('listing endpoints', () => {
  it('pages with a cursor in a stable (creation) order, honouring filters', async () => {
    const created = [];
    for (let i = 0; i < 5; i++)
      created.push(await create({ agentId: i % 2 === 0 ? 'agent-even' : 'agent-odd' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await f.producer.listEndpoints({ limit: 2, ...(cursor ? { cursor } : {}) });
      sizes.push(page.data.length);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(created.map((e) => e.id));
    const even = await f.producer.listEndpoints({ agentId: 'agent-even' });
    expect(even.data.map((e) => e.id)).toEqual([created[0]?.id, created[2]?.id, created[4]?.id]);
    await f.producer.disableEndpoint(created[1]?.id ?? '');
    expect((await f.producer.listEndpoints({ enabled: false })).data.map((e) => e.id)).toEqual([
      created[1]?.id,
    ]);
  });

  it('refuses a cursor from another listing, or a made-up one, naming the field', async () => {
    const deliveriesCursor = Buffer.from(
      JSON.stringify({ k: 'deliveries', p: ['x', 'y'] }),
    ).toString('base64url');
    for (const cursor of [deliveriesCursor, 'garbage', '']) {
      const error = await rejection(f.producer.listEndpoints({ cursor }));
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'cursor' });
    }
    const endpointsCursor = Buffer.from(JSON.stringify({ k: 'endpoints', p: ['ep_0'] })).toString(
      'base64url',
    );
    expect((await rejection(f.producer.listDeliveries({ cursor: endpointsCursor }))).field).toBe(
      'cursor',
    );
  });
});

describe('updating endpoints', () => {
  it('changes URL, event types, description and metadata', async () => {
    const endpoint = await create({ eventTypes: ['agent.run.completed'] });
    const updated = await f.producer.updateEndpoint(endpoint.id, {
      url: 'http://127.0.0.1:9/other',
      eventTypes: ['tool.*'],
      description: 'billing',
      metadata: { owner: 'ops' },
    });
    expect(updated).toMatchObject({
      url: 'http://127.0.0.1:9/other',
      eventTypes: ['tool.*'],
      description: 'billing',
      metadata: { owner: 'ops' },
    });
    const tool = EXAMPLE_EVENT_DATA['tool.execution.completed'];
    expect(
      (await f.producer.publishEvent('agent-1', 'tool.execution.completed', tool)).deliveries,
    ).toHaveLength(1);
    const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
    expect(
      (await f.producer.publishEvent('agent-1', 'agent.run.completed', run)).deliveries,
    ).toHaveLength(0);
  });

  it('refuses bad changes with the field named, writing nothing', async () => {
    const endpoint = await create();
    expect(
      await rejection(f.producer.updateEndpoint(endpoint.id, { url: 'ftp://x/' })),
    ).toMatchObject({ field: 'url' });
    expect(
      await rejection(f.producer.updateEndpoint(endpoint.id, { eventTypes: ['agent.*', 'nope'] })),
    ).toMatchObject({
      field: 'eventTypes.1',
    });
    expect((await rejection(f.producer.updateEndpoint(endpoint.id, {}))).code).toBe(
      'INVALID_INPUT',
    );
    expect(
      await rejection(f.producer.updateEndpoint('ep_missing', { description: 'x' })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      field: 'id',
    });
    expect(await f.producer.getEndpoint(endpoint.id)).toMatchObject({
      url: endpoint.url,
      eventTypes: ['*'],
    });
  });

  it('disables with a reason and enables again; a disabled endpoint gets no deliveries', async () => {
    const endpoint = await create();
    const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
    expect(await f.producer.disableEndpoint(endpoint.id, 'customer asked')).toMatchObject({
      enabled: false,
      disabledReason: 'customer asked',
    });
    expect(
      (await f.producer.publishEvent('agent-1', 'agent.step.completed', step)).deliveries,
    ).toEqual([]);
    expect(await f.producer.getEndpointHealth(endpoint.id)).toMatchObject({
      enabled: false,
      disabledReason: 'customer asked',
    });
    expect(await f.producer.enableEndpoint(endpoint.id)).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
    expect(
      (await f.producer.publishEvent('agent-1', 'agent.step.completed', step)).deliveries,
    ).toHaveLength(1);
    expect((await f.producer.updateEndpoint(endpoint.id, { enabled: false })).disabledReason).toBe(
      'disabled by operator',
    );
  });
});

describe('secret rotation', () => {
  it('keeps the old secret valid for the overlap, at most a few old secrets, and revokes at once with 0', async () => {
    const endpoint = await create();
    const chosen = generateSecret();
    const rotated = await f.producer.rotateEndpointSecret(endpoint.id, { secret: chosen });
    expect(rotated.secret).toBe(chosen);
    expect(rotated.previousValidUntil?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(await f.producer.getEndpointSecret(endpoint.id)).toBe(chosen);
    let row = await f.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    // Stored sealed (encryption at rest is the default); opened, the old secret.
    const cipher = new SecretCipher(f.ctx.settings.secretEncryptionKeys);
    expect(row.previous_secrets.map((p) => cipher.open(p.secret))).toEqual([endpoint.secret]);

    for (let i = 0; i < 5; i++) await f.producer.rotateEndpointSecret(endpoint.id);
    row = await f.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(row.previous_secrets).toHaveLength(MAX_PREVIOUS_SECRETS);

    const revoked = await f.producer.rotateEndpointSecret(endpoint.id, { overlapMs: 0 });
    expect(revoked.previousValidUntil).toBeNull();
    row = await f.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(row.previous_secrets).toEqual([]);
    expect(cipher.open(row.secret)).toBe(revoked.secret);
  });

  it('refuses a malformed secret or a missing endpoint, changing nothing', async () => {
    const endpoint = await create();
    expect(
      await rejection(f.producer.rotateEndpointSecret(endpoint.id, { secret: 'whsec_short' })),
    ).toMatchObject({
      field: 'secret',
    });
    expect(
      await rejection(f.producer.rotateEndpointSecret(endpoint.id, { overlapMs: -1 })),
    ).toMatchObject({
      field: 'overlapMs',
    });
    expect((await rejection(f.producer.rotateEndpointSecret('ep_nope'))).code).toBe('NOT_FOUND');
    expect(await f.producer.getEndpointSecret(endpoint.id)).toBe(endpoint.secret);
  });
});

describe('cache invalidation across processes', () => {
  it('a change made by one producer reaches another at once, despite a long cache TTL', async () => {
    const settings = f.ctx.withSettings({ WEBHOOK_ENDPOINT_CACHE_TTL_MS: '600000' });
    const [a, b] = [createProducer({ settings }), createProducer({ settings })];
    try {
      const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
      const options = { organizationId: 'org-x' };
      expect(
        (await b.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries,
      ).toEqual([]);
      const endpoint = await a.createEndpoint({
        url: 'http://127.0.0.1:9/x',
        organizationId: 'org-x',
        eventTypes: ['*'],
      });
      await waitFor(
        async () =>
          (await b.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries
            .length === 1
            ? true
            : undefined,
        { timeoutMs: 3_000, what: 'the other producer to see the new endpoint' },
      );
      await a.disableEndpoint(endpoint.id);
      await waitFor(
        async () =>
          (await b.publishEvent('agent-1', 'agent.step.completed', step, options)).deliveries
            .length === 0
            ? true
            : undefined,
        { timeoutMs: 3_000, what: 'the other producer to see the endpoint disabled' },
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('callback URLs', () => {
  it('only run and job completions take one, and it must be an acceptable URL', async () => {
    const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
    const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
    expect(
      await rejection(
        f.producer.publishEvent('agent-1', 'agent.step.completed', step, {
          callbackUrl: 'http://127.0.0.1:9/cb',
        }),
      ),
    ).toMatchObject({ field: 'callbackUrl' });
    expect(
      await rejection(
        f.producer.publishEvent('agent-1', 'agent.run.completed', run, {
          callbackUrl: 'gopher://x',
        }),
      ),
    ).toMatchObject({ field: 'callbackUrl' });
    const result = await f.producer.publishEvent('agent-1', 'agent.run.completed', run, {
      callbackUrl: 'http://127.0.0.1:9/cb',
    });
    expect(result.deliveries).toHaveLength(1);
    expect((await f.producer.listEndpoints()).data).toEqual([]);
    expect((await f.producer.listEndpoints({ kind: 'callback' })).data.map((e) => e.url)).toEqual([
      'http://127.0.0.1:9/cb',
    ]);
    const secret = await f.producer.getCallbackSecret('org-a');
    expect(secret).toMatch(/^whsec_/);
    expect(await f.producer.getCallbackSecret('org-a')).toBe(secret);
  });
});
