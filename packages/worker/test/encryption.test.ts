import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, isWebhookError, verifyWebhook } from '@letta-webhooks/shared';
import { rejection } from '../../../test/support/errors.js';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { createWorker } from '../src/index.js';

const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

const f = useDeliveryFixture({
  settings: { WEBHOOK_SECRET_ENCRYPTION_KEYS: k1 },
  lazyProducer: true,
});

async function storedSecrets(): Promise<string[]> {
  const endpoints = await f.ctx.db
    .selectFrom('webhook_endpoints')
    .select(['secret', 'previous_secrets'])
    .execute();
  const orgs = await f.ctx.db.selectFrom('webhook_organization_secrets').select('secret').execute();
  return [
    ...endpoints.flatMap((e) => [e.secret, ...e.previous_secrets.map((p) => p.secret)]),
    ...orgs.map((o) => o.secret),
  ];
}

describe('secrets encrypted at rest', () => {
  it('stores only ciphertext, delivers verifiably, and re-encrypts under a new key', async () => {
    const producer = createProducer({ settings: f.ctx.settings, organizationId: 'org-a' });
    let worker = createWorker({ settings: f.ctx.settings });
    try {
      const endpoint = await producer.createEndpoint({
        url: f.receiver.url('/enc'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      const { secret: rotated } = await producer.rotateEndpointSecret(endpoint.id);
      const callbackSecret = await producer.getCallbackSecret('org-a');
      const stored = await storedSecrets();
      expect(stored).toHaveLength(3);
      for (const value of stored) expect(value).toMatch(/^enc:v1:k1:/);
      const everything = JSON.stringify(
        await f.ctx.db.selectFrom('webhook_endpoints').selectAll().execute(),
      );
      for (const plain of [endpoint.secret, rotated, callbackSecret])
        expect(everything).not.toContain(plain.slice(6));
      expect(await producer.getEndpointSecret(endpoint.id)).toBe(rotated);

      const run = EXAMPLE_EVENT_DATA['agent.run.completed'];
      await producer.publishEvent('agent-1', 'agent.run.completed', run, {
        callbackUrl: f.receiver.url('/enc-callback'),
      });
      await waitFor(() =>
        f.receiver.requestsTo('/enc').length === 1 &&
        f.receiver.requestsTo('/enc-callback').length === 1
          ? true
          : undefined,
      );
      const [request] = f.receiver.requestsTo('/enc');
      expect(
        verifyWebhook(request?.body ?? '', request?.headers ?? {}, endpoint.secret).event_type,
      ).toBe('agent.run.completed');
      expect(verifyWebhook(request?.body ?? '', request?.headers ?? {}, rotated).event_type).toBe(
        'agent.run.completed',
      );
      const [callback] = f.receiver.requestsTo('/enc-callback');
      expect(
        verifyWebhook(callback?.body ?? '', callback?.headers ?? {}, callbackSecret).event_type,
      ).toBe('agent.run.completed');

      // Key rotation: new key first, reseal, then the old key can go.
      const both = f.ctx.withSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: `${k2},${k1}` });
      const resealer = createProducer({ settings: both });
      // The endpoint, the callback endpoint and the organization's callback secret.
      expect(await resealer.resealSecrets()).toEqual({ resealed: 3 });
      expect(await resealer.resealSecrets()).toEqual({ resealed: 0 });
      await resealer.close();
      for (const value of await storedSecrets()) expect(value).toMatch(/^enc:v1:k2:/);

      await worker.close();
      const onlyNew = f.ctx.withSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: k2 });
      worker = createWorker({ settings: onlyNew });
      const fresh = createProducer({ settings: onlyNew });
      try {
        expect(await fresh.getEndpointSecret(endpoint.id)).toBe(rotated);
        await fresh.publishEvent('agent-1', 'agent.run.completed', run, {
          organizationId: 'org-a',
        });
        await waitFor(() => (f.receiver.requestsTo('/enc').length === 2 ? true : undefined));
        const last = f.receiver.requestsTo('/enc')[1];
        expect(verifyWebhook(last?.body ?? '', last?.headers ?? {}, rotated).event_type).toBe(
          'agent.run.completed',
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});

describe('encryption at rest by default', () => {
  it('refuses a producer or worker without a key unless plaintext is explicitly allowed', async () => {
    const unset = f.ctx.withSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: '' });
    const starts: (() => unknown)[] = [
      () => createProducer({ settings: unset }),
      () => createWorker({ settings: unset }),
    ];
    for (const start of starts) {
      const error = await rejection(Promise.resolve().then(start));
      expect(isWebhookError(error, 'INVALID_SETTINGS')).toBe(true);
      expect(error.field).toBe('WEBHOOK_SECRET_ENCRYPTION_KEYS');
      expect(error.message).toMatch(/WEBHOOK_ALLOW_PLAINTEXT_SECRETS=true/);
      expect(error.message).not.toContain('\n');
    }
  });

  it('keeps plaintext rows working under a key, and reseal converts them', async () => {
    const plain = f.ctx.withSettings({
      WEBHOOK_SECRET_ENCRYPTION_KEYS: '',
      WEBHOOK_ALLOW_PLAINTEXT_SECRETS: 'true',
    });
    const old = createProducer({ settings: plain });
    const endpoint = await old.createEndpoint({
      url: f.receiver.url('/was-plain'),
      organizationId: 'org-plain',
      eventTypes: ['*'],
    });
    await old.close();
    const row = () =>
      f.ctx.db
        .selectFrom('webhook_endpoints')
        .select('secret')
        .where('id', '=', endpoint.id)
        .executeTakeFirstOrThrow();
    expect((await row()).secret).toBe(endpoint.secret);

    // k2 too: the test above left its rows sealed with it.
    const keyed = f.ctx.withSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: `${k1},${k2}` });
    const producer = createProducer({ settings: keyed, organizationId: 'org-plain' });
    const worker = createWorker({ settings: keyed });
    try {
      await producer.publishEvent(
        'agent-p',
        'agent.run.completed',
        EXAMPLE_EVENT_DATA['agent.run.completed'],
      );
      await waitFor(() => (f.receiver.requestsTo('/was-plain').length === 1 ? true : undefined));
      const [request] = f.receiver.requestsTo('/was-plain');
      expect(
        verifyWebhook(request?.body ?? '', request?.headers ?? {}, endpoint.secret).event_type,
      ).toBe('agent.run.completed');
      expect((await producer.resealSecrets()).resealed).toBeGreaterThanOrEqual(1);
      expect((await row()).secret).toMatch(/^enc:v1:k1:/);
      expect(await producer.getEndpointSecret(endpoint.id)).toBe(endpoint.secret);
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});
