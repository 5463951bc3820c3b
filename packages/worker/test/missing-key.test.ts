import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { capturingLogger } from '../../../test/support/log-capture.js';
import { createWorker } from '../src/index.js';

const k9 = randomBytes(32).toString('base64');

const f = useDeliveryFixture({ lazyProducer: true });

describe('a secret sealed with a key this worker lacks', () => {
  it('fails readiness and logs the key id at start-up; each delivery records a configuration attempt', async () => {
    // Another process sealed this endpoint's secret with k9, which the worker is not given.
    const sealer = createProducer({
      settings: f.ctx.withSettings({ WEBHOOK_SECRET_ENCRYPTION_KEYS: `k9:${k9}` }),
      organizationId: 'org-a',
    });
    const { logger, lines } = capturingLogger();
    await sealer.createEndpoint({
      url: f.receiver.url('/sealed'),
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    const publisher = createProducer({
      settings: f.ctx.withSettings({ WEBHOOK_MAX_ATTEMPTS: '2' }),
      organizationId: 'org-a',
    });
    // A worker starting now finds the k9 secret.
    const restarted = createWorker({
      settings: f.ctx.withSettings({ WEBHOOK_ADMIN_PORT: '0', WEBHOOK_MAX_ATTEMPTS: '2' }),
      logger,
    });
    try {
      await restarted.started();
      const port = await restarted.adminPort();
      const response = await fetch(`http://127.0.0.1:${String(port)}/readyz`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: object }).checks).toMatchObject({
        secretKeys: 'secrets sealed with keys not configured: k9',
      });
      const startUp = await waitFor(() =>
        lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.keyIds),
      );
      expect(startUp).toMatchObject({ level: 50, keyIds: ['k9'] });
      expect(String(startUp.msg)).toMatch(/key "k9"/);

      // Published by a process holding this worker's key (its jobs' MAC verifies).
      const published = await publisher.publishEvent(
        'agent-1',
        'agent.step.completed',
        EXAMPLE_EVENT_DATA['agent.step.completed'],
      );
      const deliveryId = published.deliveries[0]?.deliveryId ?? '';
      const delivery = await waitFor(async () => {
        const found = await publisher.getDelivery(deliveryId);
        return found?.status === 'failed' ? found : undefined;
      });
      expect(delivery.attempts).toHaveLength(2);
      for (const attempt of delivery.attempts) {
        expect(attempt).toMatchObject({
          errorKind: 'configuration',
          errorMessage: 'secret is sealed with key "k9", which is not configured',
          statusCode: null,
        });
      }
      expect(f.receiver.requests).toHaveLength(0);
      const logged = lines.filter((line) => line.includes('"errorKind":"configuration"'));
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(logged[0] ?? '{}')).toMatchObject({ level: 50, deliveryId });
      for (const line of lines) expect(line).not.toContain(k9);
    } finally {
      await restarted.close();
      await publisher.close();
      await sealer.close();
    }
  });
});
