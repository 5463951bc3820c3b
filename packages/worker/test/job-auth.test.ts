import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  DELIVERY_JOB_NAME,
  JobAuthenticator,
  deliveryIdFor,
  newId,
  verifyWebhook,
  type DeliveryJobData,
} from '@letta-webhooks/shared';
import type { Job } from 'bullmq';
import { STEP, useDeliveryFixture } from '../../../test/support/delivery-fixture.js';
import { waitFor } from '../../../test/support/harness.js';
import { capturingLogger } from '../../../test/support/log-capture.js';
import type { WebhookWorker } from '../src/index.js';

const f = useDeliveryFixture({ workersLiveFor: 'file' });
const step = STEP;
let worker: WebhookWorker | undefined;
let logs: string[] = [];

function startWorker(): WebhookWorker {
  const captured = capturingLogger();
  logs = captured.lines;
  worker = f.startWorker(f.ctx.settings, { logger: captured.logger });
  return worker;
}

async function failedReason(job: Job): Promise<string> {
  return waitFor(
    async () => {
      const fresh = await f.queue.getJob(job.id ?? '');
      return fresh?.finishedOn === undefined ? undefined : (fresh.failedReason ?? 'completed');
    },
    { what: `job ${job.id ?? ''} to finish` },
  );
}

async function rejected(check: 'mac' | 'envelope'): Promise<number> {
  const text =
    (await worker?.metrics.getSingleMetricAsString('letta_webhooks_rejected_jobs_total')) ?? '';
  return Number(new RegExp(`check="${check}"} (\\d+)`).exec(text)?.[1] ?? 0);
}

describe('job data in Redis is not trusted', () => {
  it('refuses forged or unauthenticated jobs unsent and unrecorded, and keeps delivering', async () => {
    const target = await f.producer.createEndpoint({
      url: f.receiver.url('/target'),
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    // Published with no worker running: the genuine job waits in Redis, where an attacker reads it.
    const published = await f.producer.publishEvent('agent-1', 'agent.step.completed', step);
    const deliveryId = published.deliveries[0]?.deliveryId ?? '';
    const genuine = await waitFor(
      async () => (await f.queue.getJob(deliveryId))?.data as DeliveryJobData | undefined,
      { what: 'the genuine job' },
    );
    expect(genuine.auth).toMatch(/^v1\.test\./);

    const forged = genuine.body.replace('"agent-1"', '"agent-evil"');
    expect(forged).not.toBe(genuine.body);
    const unsigned: DeliveryJobData = { ...genuine };
    delete unsigned.auth;
    const attacker = new JobAuthenticator([{ id: 'test', key: randomBytes(32) }]);
    const forgeries: [DeliveryJobData, string][] = [
      [{ ...genuine, body: forged }, 'job MAC does not match its data'],
      [unsigned, 'job data carries no MAC'],
      // Copied ids and tag, as a resend: would send the delivery again.
      [{ ...genuine, trigger: 'manual' }, 'job MAC does not match its data'],
      [attacker.sign({ ...unsigned, body: forged }), 'job MAC does not match its data'],
      [
        new JobAuthenticator([{ id: 'k9', key: randomBytes(32) }]).sign(unsigned),
        'job MAC is under key "k9", which is not configured',
      ],
    ];
    const jobs = [];
    for (const [data] of forgeries)
      jobs.push(await f.queue.add(DELIVERY_JOB_NAME, data, { jobId: newId('dlv'), attempts: 5 }));

    startWorker();
    for (const [index, job] of jobs.entries()) {
      expect(await failedReason(job)).toBe(`rejected_job: ${forgeries[index]?.[1] ?? ''}`);
      expect((await f.queue.getJob(job.id ?? ''))?.attemptsMade).toBe(1);
    }
    expect(await rejected('mac')).toBe(forgeries.length);
    const refusals = logs.filter((line) => line.includes('"errorKind":"rejected_job"'));
    expect(refusals).toHaveLength(forgeries.length);
    for (const line of refusals) {
      expect(JSON.parse(line)).toMatchObject({ level: 50 });
      expect(line).not.toContain(genuine.body);
    }

    // Only the genuine job was sent, once, and it verifies; the forgeries wrote nothing.
    await waitFor(() => (f.receiver.requestsTo('/target').length === 1 ? true : undefined));
    const attempts = await waitFor(async () => {
      const rows = await f.ctx.db
        .selectFrom('webhook_attempts')
        .select(['attempt_number', 'status_code', 'error_kind'])
        .where('delivery_id', '=', deliveryId)
        .execute();
      return rows.length > 0 ? rows : undefined;
    });
    expect(attempts).toEqual([{ attempt_number: 1, status_code: 200, error_kind: null }]);
    expect(f.receiver.requests).toHaveLength(1);
    const [request] = f.receiver.requestsTo('/target');
    expect(request?.body.toString()).toBe(genuine.body);
    expect(verifyWebhook(request?.body ?? '', request?.headers ?? {}, target.secret).agent_id).toBe(
      'agent-1',
    );
  });

  it('refuses an authenticated job whose organization, agent or type does not match its endpoint', async () => {
    const runOnly = await f.producer.createEndpoint({
      url: f.receiver.url('/run-only'),
      organizationId: 'org-a',
      agentId: 'agent-1',
      eventTypes: ['agent.run.completed'],
    });
    const otherOrg = await f.producer.createEndpoint({
      url: f.receiver.url('/org-b'),
      organizationId: 'org-b',
      eventTypes: ['*'],
    });
    // A signer holding the key (a buggy or compromised producer) still cannot cross these lines.
    const signer = JobAuthenticator.fromSettings(f.ctx.settings);
    const jobFor = (
      endpointId: string,
      agentId: string,
      eventType: DeliveryJobData['eventType'],
    ) => {
      const eventId = newId('evt');
      return signer.sign({
        deliveryId: deliveryIdFor(eventId, endpointId),
        eventId,
        endpointId,
        eventType,
        agentId,
        organizationId: 'org-a',
        occurredAt: new Date().toISOString(),
        body: JSON.stringify({ event_id: eventId, organization_id: 'org-a', agent_id: agentId }),
      });
    };
    const cases: [DeliveryJobData, string][] = [
      [
        jobFor(otherOrg.id, 'agent-1', 'agent.run.completed'),
        'event of organization org-a for an endpoint of organization org-b',
      ],
      [
        jobFor(runOnly.id, 'agent-2', 'agent.run.completed'),
        'event of agent agent-2 for an endpoint of agent agent-1',
      ],
      [
        jobFor(runOnly.id, 'agent-1', 'agent.step.completed'),
        'the endpoint does not subscribe to agent.step.completed',
      ],
    ];
    worker ??= startWorker();
    const before = await rejected('envelope');
    for (const [data, why] of cases) {
      const job = await f.queue.add(DELIVERY_JOB_NAME, data, {
        jobId: data.deliveryId,
        attempts: 5,
      });
      expect(await failedReason(job)).toBe(`rejected_job: ${why}`);
      const delivery = await f.ctx.db
        .selectFrom('webhook_deliveries')
        .select(['status'])
        .where('id', '=', data.deliveryId)
        .executeTakeFirst();
      expect(delivery?.status).toBe('failed');
      const attempts = await f.ctx.db
        .selectFrom('webhook_attempts')
        .select(['error_kind', 'error_message', 'status_code'])
        .where('delivery_id', '=', data.deliveryId)
        .execute();
      expect(attempts).toEqual([
        { error_kind: 'rejected_job', error_message: `job refused: ${why}`, status_code: null },
      ]);
    }
    expect((await rejected('envelope')) - before).toBe(cases.length);
    expect(f.receiver.requestsTo('/run-only')).toHaveLength(0);
    expect(f.receiver.requestsTo('/org-b')).toHaveLength(0);

    // A delivery already settled is left as it is, even once its endpoint no longer subscribes.
    const settled = await f.producer.createEndpoint({
      url: f.receiver.url('/settled'),
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    const published = await f.producer.publishEvent('agent-1', 'agent.step.completed', step);
    const delivered = published.deliveries.find((d) => d.endpointId === settled.id);
    const status = async () => (await f.producer.getDelivery(delivered?.deliveryId ?? ''))?.status;
    await waitFor(async () => ((await status()) === 'succeeded' ? true : undefined));
    await f.producer.updateEndpoint(settled.id, { eventTypes: ['agent.run.completed'] });
    // The same delivery's job again (a re-publish), authentic.
    const again = await f.queue.add(
      DELIVERY_JOB_NAME,
      signer.sign({
        deliveryId: delivered?.deliveryId ?? '',
        eventId: published.eventId,
        endpointId: settled.id,
        eventType: 'agent.step.completed',
        agentId: 'agent-1',
        organizationId: 'org-a',
        occurredAt: new Date().toISOString(),
        body: '{}',
      }),
      { attempts: 5 },
    );
    expect(await failedReason(again)).toBe('completed');
    expect(await status()).toBe('succeeded');

    await f.producer.sendTestEvent(runOnly.id, { eventType: 'agent.step.completed' });
    await waitFor(() => (f.receiver.requestsTo('/run-only').length === 1 ? true : undefined));
  });
});
