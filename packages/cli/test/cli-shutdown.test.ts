import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startCli, type CliProcess } from '../../../test/support/cli.js';
import { createTestContext, waitFor, type TestContext } from '../../../test/support/harness.js';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/private-redis.js';
import { startReceiver, type Receiver } from '../../../test/support/receiver.js';
import { createProducer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';

const SHUTDOWN_TIMEOUT_MS = 1_000;
// The margin the CLI allows beyond WEBHOOK_SHUTDOWN_TIMEOUT_MS, plus slack for a loaded machine.
const BOUND_MS = SHUTDOWN_TIMEOUT_MS + 5_000 + 5_000;

let ctx: TestContext;
let receiver: Receiver;
const redises: PrivateRedis[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const redis of redises) await redis.stop();
  await receiver.close();
  await ctx.cleanup();
});

async function startedWorker(env: Record<string, string>): Promise<CliProcess> {
  const worker = startCli(['worker'], {
    ...ctx.env,
    LOG_LEVEL: 'info',
    WEBHOOK_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...env,
  });
  await waitFor(() => (worker.output().stdout.includes('"worker started"') ? true : undefined), {
    what: 'the worker to start',
  });
  return worker;
}

async function exitTime(cli: CliProcess, signal: NodeJS.Signals): Promise<number> {
  const sent = Date.now();
  cli.child.kill(signal);
  await cli.exited;
  return Date.now() - sent;
}

describe('a stopping worker', () => {
  it('exits within the shutdown timeout plus a margin after SIGTERM although Redis is gone', async () => {
    const redis = await startPrivateRedis();
    redises.push(redis);
    const worker = await startedWorker({ REDIS_URL: redis.url });
    await redis.kill();
    await waitFor(() => (worker.output().stdout.includes('ECONNREFUSED') ? true : undefined), {
      what: 'the worker to notice',
    });
    expect(await exitTime(worker, 'SIGTERM')).toBeLessThan(BOUND_MS);
    expect(worker.output().stdout).toContain('stopping: finishing in-flight deliveries');
  }, 60_000);

  it('exits at once on SIGTERM while it cannot reach Redis at start-up', async () => {
    const redis = await startPrivateRedis();
    await redis.stop();
    const worker = startCli(['worker'], { ...ctx.env, LOG_LEVEL: 'info', REDIS_URL: redis.url });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await exitTime(worker, 'SIGTERM')).toBeLessThan(2_000);
  }, 30_000);

  it('exits at once on a second signal while deliveries are still in flight', async () => {
    receiver.respond((request) => (request.path === '/hang' ? 'hang' : { status: 200 }));
    const producer = createProducer({ settings: ctx.settings, organizationId: 'org-a' });
    try {
      await producer.createEndpoint({
        url: receiver.url('/hang'),
        organizationId: 'org-a',
        eventTypes: ['*'],
      });
      const worker = await startedWorker({
        WEBHOOK_SHUTDOWN_TIMEOUT_MS: '60000',
        WEBHOOK_REQUEST_TIMEOUT_MS: '60000',
      });
      await producer.publishEvent(
        'agent-1',
        'agent.step.completed',
        EXAMPLE_EVENT_DATA['agent.step.completed'],
      );
      await waitFor(() => (receiver.requestsTo('/hang').length > 0 ? true : undefined));
      worker.child.kill('SIGTERM');
      await waitFor(() =>
        worker.output().stdout.includes('stopping: finishing in-flight') ? true : undefined,
      );
      expect(await exitTime(worker, 'SIGINT')).toBeLessThan(2_000);
      expect(worker.output().stdout).toContain('second SIGINT: exiting at once');
    } finally {
      await producer.close();
      receiver.respond(() => ({ status: 200 }));
    }
  }, 60_000);
});
