// The benchmark: every figure is a ratio against a ceiling measured in this
// same run, on this machine. `--quick` runs each scenario for a few seconds
// (CI smoke test, asserting nothing about speed); `--profile` writes CPU
// profiles of the delivery worker processes to bench/profiles/.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createProducer, type BatchEvent, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, createDb, loadSettings, type Settings } from '@letta-webhooks/shared';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freshDatabase } from '../scripts/fresh-database.js';
import { percentile, round, slope } from './stats.js';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const DATABASE = 'letta_webhooks_bench';
const PREFIX = '{lw-bench}';
const CONCURRENCY = 32;
const N = quick
  ? { ceiling: 2_000, publish: 2_000, e2e: 2_000, latencySeconds: 3, isolation: 600, memory: 3_000 }
  : {
      ceiling: 20_000,
      publish: 20_000,
      e2e: 20_000,
      latencySeconds: 15,
      isolation: 4_000,
      memory: 100_000,
    };

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Child {
  readonly process: ChildProcess;
  ask<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

function start(
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Child & { ready: Record<string, unknown> }> {
  const child = fork(here(script), [], {
    env: { ...process.env, ...env },
    // TypeScript children (the receiver) need the loader; the measured clients are plain JavaScript.
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${String(code)}`));
    });
    child.on('message', function onReady(message: { type: string } & Record<string, unknown>) {
      if (message.type !== 'ready') return;
      child.off('message', onReady);
      resolve({
        process: child,
        ready: message,
        ask,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) {
              done();
              return;
            }
            child.once('exit', () => {
              done();
            });
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}

// BENCH_EXTRA=NAME=value,NAME=value overrides settings for experiments.
function benchExtra(): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const pair of (process.env.BENCH_EXTRA ?? '').split(',')) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined) extra[name] = value;
  }
  return extra;
}

function settingsEnv(
  settings: Settings,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    WEBHOOK_QUEUE_PREFIX: settings.queuePrefix,
    WEBHOOK_QUEUE_NAME: settings.queueName,
    WEBHOOK_WORKER_CONCURRENCY: String(CONCURRENCY),
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    DATABASE_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
    WEBHOOK_ADMIN_PORT: '0',
    ...benchExtra(),
    ...extra,
  };
}

async function waitUntil(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  const base = loadSettings();
  const databaseUrl = await freshDatabase(base.databaseUrl, DATABASE);

  const settings = loadSettings({
    ...process.env,
    ...settingsEnv(base, { DATABASE_URL: databaseUrl, WEBHOOK_QUEUE_PREFIX: PREFIX }),
  });
  const redis = new Redis(settings.redisUrl);
  const stale = await redis.keys(`${PREFIX}:*`);
  if (stale.length > 0) await redis.del(...stale);
  const db = createDb({ connectionString: settings.databaseUrl, poolSize: 2 });
  const queue = new Queue(settings.queueName, { connection: redis, prefix: PREFIX });
  const receiver = await start('receiver-process.ts', {});
  const port = Number(receiver.ready.port);
  const producer: Producer = createProducer({ settings, organizationId: 'org-bench' });
  await producer.createEndpoint({
    url: `http://127.0.0.1:${port}/ok`,
    organizationId: 'org-bench',
    agentId: 'agent-ok',
    eventTypes: ['*'],
  });
  await producer.createEndpoint({
    url: `http://127.0.0.1:${port}/hang`,
    organizationId: 'org-bench',
    agentId: 'agent-hang',
    eventTypes: ['*'],
  });
  const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
  const event = (agentId: string): BatchEvent => ({
    agentId,
    eventType: 'agent.step.completed',
    data: step,
  });
  const results: Record<string, number> = {};
  const env = settingsEnv(settings);

  const drained = async () => {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  };
  const succeeded = async () =>
    Number(
      (
        await db
          .selectFrom('webhook_deliveries')
          .select(db.fn.countAll<string>().as('n'))
          .where('status', '=', 'succeeded')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const reset = async () => {
    await queue.obliterate({ force: true });
    await db.deleteFrom('webhook_attempts').execute();
    await db.deleteFrom('webhook_deliveries').execute();
    await db.deleteFrom('webhook_events').execute();
    await receiver.ask('reset');
  };
  const publishAll = async (count: number, agentId: string) => {
    for (let i = 0; i < count; i += 500) {
      await producer.publishEvents(
        Array.from({ length: Math.min(500, count - i) }, () => event(agentId)),
      );
    }
  };
  const deliverRate = async (count: number, workers: number) => {
    await reset();
    await publishAll(count, 'agent-ok');
    const children = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        start(
          'child-process.mjs',
          { ...env, BENCH_MODE: 'deliver' },
          profile
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${here('profiles')}`,
                `--cpu-prof-name=worker-${workers}-${i}.cpuprofile`,
              ]
            : [],
        ),
      ),
    );
    // Timed from the moment every worker is up (process start-up is not delivery work).
    const started = performance.now();
    await waitUntil(async () => (await succeeded()) >= count, 'deliveries');
    const rate = count / ((performance.now() - started) / 1000);
    await Promise.all(children.map((c) => c.stop()));
    return rate;
  };

  // Ceilings.
  log('ceiling: BullMQ no-op processing');
  await reset();
  await queue.addBulk(
    Array.from({ length: N.ceiling }, (_, i) => ({
      name: 'noop',
      data: { i },
      opts: { removeOnComplete: true },
    })),
  );
  const noop = await start('child-process.mjs', { ...env, BENCH_MODE: 'noop' });
  let started = performance.now();
  await waitUntil(drained, 'no-op jobs');
  results.ceilingNoopJobsPerSecond = N.ceiling / ((performance.now() - started) / 1000);
  await noop.stop();

  log('ceiling: raw axios POST');
  const axiosChild = fork(here('child-process.mjs'), [], {
    env: {
      ...process.env,
      ...env,
      BENCH_MODE: 'axios',
      BENCH_REQUESTS: String(N.ceiling),
      BENCH_URL: `http://127.0.0.1:${port}/raw`,
    },
    execArgv: [],
  });
  results.ceilingAxiosPostsPerSecond = await new Promise<number>((resolve) =>
    axiosChild.on('message', (m: { type: string; rate: number }) => {
      if (m.type === 'done') resolve(m.rate);
    }),
  );

  log('ceiling: BullMQ add (concurrent) and addBulk');
  await reset();
  const job = { name: 'deliver', data: { body: JSON.stringify({ data: step }) } };
  let next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N.ceiling) {
        next++;
        await queue.add(job.name, job.data);
      }
    }),
  );
  results.ceilingAddPerSecond = N.ceiling / ((performance.now() - started) / 1000);
  await reset();
  started = performance.now();
  for (let i = 0; i < N.ceiling; i += 100)
    await queue.addBulk(Array.from({ length: 100 }, () => job));
  results.ceilingAddBulkPerSecond = N.ceiling / ((performance.now() - started) / 1000);

  // Publishing.
  log('publish: publishEvent, concurrent callers');
  await reset();
  next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N.publish) {
        next++;
        await producer.publishEvent('agent-ok', 'agent.step.completed', step);
      }
    }),
  );
  results.publishPerSecond = N.publish / ((performance.now() - started) / 1000);
  log('publish: publishEvents batches of 100');
  await reset();
  started = performance.now();
  for (let i = 0; i < N.publish; i += 100) {
    await producer.publishEvents(Array.from({ length: 100 }, () => event('agent-ok')));
  }
  results.batchPublishPerSecond = N.publish / ((performance.now() - started) / 1000);

  // End to end.
  log('end to end: one worker process');
  results.e2eOneWorkerPerSecond = await deliverRate(N.e2e, 1);
  log('end to end: two worker processes');
  results.e2eTwoWorkersPerSecond = await deliverRate(N.e2e, 2);

  // Latency at a fixed 500 events/s, with a worker running.
  log(`latency: 500 events/s for ${N.latencySeconds} s`);
  await reset();
  const latencyWorker = await start('child-process.mjs', { ...env, BENCH_MODE: 'deliver' });
  const publishLatencies: number[] = [];
  const total = 500 * N.latencySeconds;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * 2;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(
      (async () => {
        const s = performance.now();
        await producer.publishEvent('agent-ok', 'agent.step.completed', step);
        publishLatencies.push(performance.now() - s);
      })(),
    );
  }
  await Promise.all(pending);
  await waitUntil(async () => (await succeeded()) >= total, 'latency deliveries');
  const { latencies } = await receiver.ask<{ latencies: number[] }>('stats');
  await latencyWorker.stop();
  results.publishLatencyP50Ms = percentile(publishLatencies, 50);
  results.publishLatencyP99Ms = percentile(publishLatencies, 99);
  results.deliveryLatencyP50Ms = percentile(latencies, 50);
  results.deliveryLatencyP95Ms = percentile(latencies, 95);
  results.deliveryLatencyP99Ms = percentile(latencies, 99);

  // Isolation: half the events go to an endpoint that hangs until timeout.
  log('isolation: all healthy, then half to a hanging endpoint');
  const isolationEnv = { ...env, WEBHOOK_REQUEST_TIMEOUT_MS: '2000', WEBHOOK_MAX_ATTEMPTS: '1' };
  const isolationRate = async (withHanging: boolean) => {
    await reset();
    await publishAll(N.isolation, 'agent-ok');
    if (withHanging) await publishAll(N.isolation, 'agent-hang');
    const worker = await start('child-process.mjs', { ...isolationEnv, BENCH_MODE: 'deliver' });
    const begin = performance.now();
    await waitUntil(async () => (await succeeded()) >= N.isolation, 'healthy deliveries');
    const rate = N.isolation / ((performance.now() - begin) / 1000);
    await worker.stop();
    return rate;
  };
  results.isolationAllHealthyPerSecond = await isolationRate(false);
  results.isolationWithHangingPerSecond = await isolationRate(true);

  // Memory.
  log(`memory: ${N.memory} deliveries`);
  await reset();
  const redisBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const memoryWorker = await start('child-process.mjs', { ...env, BENCH_MODE: 'deliver' });
  const samples: number[] = [];
  let publishedCount = 0;
  const publisher = (async () => {
    while (publishedCount < N.memory) {
      const size = Math.min(500, N.memory - publishedCount);
      await producer.publishEvents(Array.from({ length: size }, () => event('agent-ok')));
      publishedCount += size;
      // Keep the backlog small, so memory reflects steady state, not a queue of 100k jobs.
      while ((await queue.getWaitingCount()) > 2_000) await sleep(10);
    }
  })();
  while ((await succeeded()) < N.memory) {
    samples.push((await memoryWorker.ask<{ rss: number }>('memory')).rss / 1024 / 1024);
    await sleep(quick ? 100 : 1_000);
    if (samples.length % 10 === 0)
      log(`  ${await succeeded()} delivered, worker RSS ${round(samples.at(-1) ?? 0, 1)} MB`);
  }
  await publisher;
  samples.push((await memoryWorker.ask<{ rss: number }>('memory')).rss / 1024 / 1024);
  await memoryWorker.stop();
  await waitUntil(drained, 'queue to drain');
  const redisAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  results.workerRssMaxMb = Math.max(...samples);
  const tail = samples.slice(Math.floor(samples.length / 2));
  results.workerRssTrendMbPerSample = slope(tail);
  results.workerRssLastHalfGrowthMb = (tail.at(-1) ?? 0) - (tail[0] ?? 0);
  results.redisMemoryDeltaMb = (redisAfter - redisBefore) / 1024 / 1024;

  await producer.close();
  await queue.close();
  redis.disconnect();
  await db.destroy();
  await receiver.stop();

  const ratios = {
    e2eVsAxios: results.e2eOneWorkerPerSecond / results.ceilingAxiosPostsPerSecond,
    publishVsAdd: results.publishPerSecond / results.ceilingAddPerSecond,
    batchVsAddBulk: results.batchPublishPerSecond / results.ceilingAddBulkPerSecond,
    isolation: results.isolationWithHangingPerSecond / results.isolationAllHealthyPerSecond,
    twoWorkersVsOne: results.e2eTwoWorkersPerSecond / results.e2eOneWorkerPerSecond,
    e2eVsNoop: results.e2eOneWorkerPerSecond / results.ceilingNoopJobsPerSecond,
  };
  const targets: [string, string, string, boolean][] = [
    [
      'e2e deliveries/s (1 worker) ÷ raw axios POST/s',
      `${round(ratios.e2eVsAxios)}`,
      '≥ 0.6',
      ratios.e2eVsAxios >= 0.6,
    ],
    [
      'publishEvent/s ÷ BullMQ concurrent add/s',
      `${round(ratios.publishVsAdd)}`,
      '≥ 0.5',
      ratios.publishVsAdd >= 0.5,
    ],
    [
      'publishEvents/s ÷ BullMQ addBulk/s',
      `${round(ratios.batchVsAddBulk)}`,
      '≥ 0.5',
      ratios.batchVsAddBulk >= 0.5,
    ],
    [
      'publishEvent p99 at 500/s',
      `${round(results.publishLatencyP99Ms ?? 0)} ms`,
      '≤ 2 ms',
      (results.publishLatencyP99Ms ?? 0) <= 2,
    ],
    [
      'publish → receiver p50 at 500/s',
      `${round(results.deliveryLatencyP50Ms ?? 0)} ms`,
      '≤ 5 ms',
      (results.deliveryLatencyP50Ms ?? 0) <= 5,
    ],
    [
      'publish → receiver p99 at 500/s',
      `${round(results.deliveryLatencyP99Ms ?? 0)} ms`,
      '≤ 50 ms',
      (results.deliveryLatencyP99Ms ?? 0) <= 50,
    ],
    [
      'healthy throughput with a hanging endpoint ÷ all healthy',
      `${round(ratios.isolation)}`,
      '≥ 0.8',
      ratios.isolation >= 0.8,
    ],
    [
      'worker RSS max over the run',
      `${round(results.workerRssMaxMb ?? 0, 1)} MB`,
      '≤ 200 MB',
      (results.workerRssMaxMb ?? 0) <= 200,
    ],
    [
      'worker RSS growth over the second half',
      `${round(results.workerRssLastHalfGrowthMb ?? 0, 1)} MB`,
      'no upward trend',
      (results.workerRssLastHalfGrowthMb ?? 0) <= 10,
    ],
    [
      'Redis used_memory after ÷ before (delta)',
      `${round(results.redisMemoryDeltaMb ?? 0, 2)} MB`,
      '≤ 10 MB',
      Math.abs(results.redisMemoryDeltaMb ?? 0) <= 10,
    ],
  ];
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    quick,
  };
  const lines = [
    `Letta webhooks benchmark — ${machine.date} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GiB, Node ${machine.node}${quick ? ' (QUICK: smoke test, figures not meaningful)' : ''}`,
    '',
    '| figure | measured | target | met |',
    '|---|---|---|---|',
    ...targets.map(
      ([name, value, target, met]) => `| ${name} | ${value} | ${target} | ${met ? 'yes' : 'NO'} |`,
    ),
    '',
    '| raw figure | value |',
    '|---|---|',
    ...Object.entries(results).map(([name, value]) => `| ${name} | ${round(value)} |`),
    `| e2e two workers ÷ one | ${round(ratios.twoWorkersVsOne)} |`,
    `| e2e one worker ÷ BullMQ no-op | ${round(ratios.e2eVsNoop)} |`,
  ];
  console.log(lines.join('\n'));
  await writeFile(
    // A quick run is a smoke test: it must not overwrite the measured results.
    here(quick ? 'results-quick.json' : 'results.json'),
    `${JSON.stringify({ machine, results, ratios, targets: targets.map(([figure, measured, target, met]) => ({ figure, measured, target, met })) }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
