import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProducer, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { startCli } from '../../../test/support/cli.js';
import { createTestContext, waitFor, type TestContext } from '../../../test/support/harness.js';
import { startReceiver, type Receiver } from '../../../test/support/receiver.js';

let ctx: TestContext;
let producer: Producer;
let receiver: Receiver;

beforeAll(async () => {
  ctx = await createTestContext();
  producer = createProducer({ settings: ctx.settings, organizationId: 'org-a' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await producer.close();
  await receiver.close();
  await ctx.cleanup();
});

const run = startCli;

describe('letta-webhooks CLI', () => {
  it('worker delivers, then on SIGTERM finishes its in-flight delivery and exits 0', async () => {
    await producer.createEndpoint({
      url: receiver.url('/cli'),
      organizationId: 'org-a',
      eventTypes: ['*'],
    });
    receiver.respond(() => ({ status: 200, delayMs: 500 }));
    const worker = run(['worker'], { ...ctx.env, LOG_LEVEL: 'info' });
    const { deliveries } = await producer.publishEvent(
      'agent-1',
      'agent.run.completed',
      EXAMPLE_EVENT_DATA['agent.run.completed'],
    );
    await waitFor(() => (receiver.requestsTo('/cli').length > 0 ? true : undefined), {
      what: 'the POST',
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const row = await ctx.db
      .selectFrom('webhook_deliveries')
      .select('status')
      .where('id', '=', deliveries[0]?.deliveryId ?? '')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('succeeded');
    const logs = worker
      .output()
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['worker started', 'worker stopped']),
    );
  });

  it('refuses to start on invalid settings, one line per bad variable, exit code 2', async () => {
    const worker = run(['worker'], { WEBHOOK_WORKER_CONCURRENCY: 'lots', REDIS_URL: 'nope' });
    expect(await worker.exited).toBe(2);
    const lines = worker.output().stderr.trim().split('\n');
    expect(lines).toEqual([
      'error: invalid settings:',
      expect.stringMatching(/^ {2}REDIS_URL: /),
      expect.stringMatching(/^ {2}WEBHOOK_WORKER_CONCURRENCY: /),
    ]);
  });

  it('migrate is idempotent', async () => {
    const migrate = run(['migrate'], ctx.env);
    expect(await migrate.exited).toBe(0);
    expect(migrate.output().stdout).toMatch(/already-applied\s+0001_create_endpoints\.sql/);
  });

  it('manages endpoints and deliveries, with tables, --json and exit codes a script can rely on', async () => {
    const cli = async (...args: string[]) => {
      const command = run(args, ctx.env);
      const code = await command.exited;
      return { code, ...command.output() };
    };
    const created = await cli(
      '--json',
      'endpoints',
      'create',
      '--url',
      receiver.url('/ops'),
      '--org',
      'org-ops',
      '--events',
      'agent.*',
      '--metadata',
      'team=ops',
    );
    expect(created.code).toBe(0);
    const endpoint = JSON.parse(created.stdout) as {
      id: string;
      secret: string;
      metadata: Record<string, string>;
    };
    expect(endpoint).toMatchObject({
      secret: expect.stringMatching(/^whsec_/),
      metadata: { team: 'ops' },
    });

    const listed = await cli('endpoints', 'list', '--org', 'org-ops');
    expect(listed.stdout).toMatch(/^id\s+organizationId/);
    expect(listed.stdout).toContain(endpoint.id);
    expect(listed.stdout).not.toContain(endpoint.secret);

    const rotated = await cli(
      '--json',
      'endpoints',
      'rotate-secret',
      endpoint.id,
      '--overlap',
      '0',
    );
    expect(rotated.code).toBe(0);
    expect(
      (JSON.parse(rotated.stdout) as { previousValidUntil: null }).previousValidUntil,
    ).toBeNull();
    expect(
      (await cli('endpoints', 'disable', endpoint.id, '--reason', 'maintenance')).stdout,
    ).toContain('maintenance');
    expect((await cli('recover', endpoint.id, '--since', '1h')).code).toBe(5);
    expect((await cli('endpoints', 'enable', endpoint.id)).code).toBe(0);

    const { deliveries } = await producer.publishEvent(
      'agent-ops',
      'agent.step.completed',
      EXAMPLE_EVENT_DATA['agent.step.completed'],
      {
        organizationId: 'org-ops',
      },
    );
    const deliveryId = deliveries[0]?.deliveryId ?? '';
    // Durable publish: in the delivery log from the moment it is published.
    const shown = await cli('--json', 'deliveries', 'show', deliveryId);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: deliveryId, status: 'pending' });
    const missing = await cli('--json', 'deliveries', 'show', 'dlv_missing');
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr)).toEqual({
      error: { code: 'NOT_FOUND', field: 'id', message: expect.any(String) },
    });

    expect((await cli('endpoints', 'update', endpoint.id, '--events', 'agent.nope')).code).toBe(3);
    expect((await cli('endpoints', 'list', '--enabled', 'maybe')).code).toBe(3);
    expect((await cli('endpoints', 'list', '--no-such-option')).code).toBe(3);
    expect((await cli('endpoints', 'show', 'ep_missing')).code).toBe(4);
    expect((await cli('deliveries', 'list', '--since', 'last tuesday')).code).toBe(3);
    const stats = await cli('--json', 'stats');
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({
      queue: { waiting: expect.any(Number) },
      windowSeconds: 60,
    });
    expect((await cli('endpoints', 'delete', endpoint.id)).code).toBe(0);
    expect((await cli('endpoints', 'delete', endpoint.id)).code).toBe(4);
    // Some twenty CLI processes, each loading Node and the packages: allow for a loaded machine.
  }, 120_000);
});
