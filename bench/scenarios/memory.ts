import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../scenario.js';
import { round, slope } from '../stats.js';

const redisUsedMemory = (info: string) => Number(/used_memory:(\d+)/.exec(info)?.[1]);

/**
 * Memory over a long run: one worker (default settings) delivers
 * `sizes.memory` deliveries fanned out over 100 endpoints while the backlog
 * is kept small, so memory reflects steady state; worker RSS is sampled
 * every second, and Redis's memory is compared before and after.
 */
export const memory: Scenario = {
  name: 'memory',
  async run(ctx) {
    const n = ctx.sizes.memory;
    await ctx.reset();
    const redisBefore = redisUsedMemory(await ctx.redis.info('memory'));
    const [worker] = await ctx.start('deliver', 1);
    if (worker === undefined) throw new Error('no worker started');
    const rss = async () => (await worker.ask<{ rss: number }>({ type: 'memory' })).rss / 2 ** 20;
    const received = async () =>
      (await ctx.receiver.ask<{ received: number }>({ type: 'count' })).received;
    const started = performance.now();
    let published = 0;
    const publisher = (async () => {
      while (published < n) {
        const size = Math.min(5_000, n - published);
        await ctx.publish(size, 'fanOut');
        published += size;
        while ((await ctx.queue.getWaitingCount()) > 2_000) await sleep(10);
      }
    })();
    const samples: number[] = [];
    let delivered = 0;
    while (delivered < n) {
      samples.push(await rss());
      await sleep(ctx.options.quick ? 100 : 1_000);
      delivered = await received();
      if (samples.length % 10 === 0)
        ctx.log(
          `  ${String(delivered)} delivered, worker RSS ${String(round(samples.at(-1) ?? 0, 1))} MB`,
        );
    }
    const perSecond = n / ((performance.now() - started) / 1000);
    await publisher;
    samples.push(await rss());
    await ctx.completed([worker], n);
    await worker.stop();
    const redisAfter = redisUsedMemory(await ctx.redis.info('memory'));
    const tail = samples.slice(Math.floor(samples.length / 2));
    const figures = {
      memoryRunPerSecond: perSecond,
      workerRssMaxMb: Math.max(...samples),
      workerRssTrendMbPerSample: slope(tail),
      workerRssLastHalfGrowthMb: (tail.at(-1) ?? 0) - (tail[0] ?? 0),
      redisMemoryDeltaMb: (redisAfter - redisBefore) / 2 ** 20,
    };
    for (const [name, value] of Object.entries(figures)) ctx.report.figure(name, value);
    ctx.report.target(
      `worker RSS max over ${String(n)} deliveries`,
      figures.workerRssMaxMb,
      { atMost: 200 },
      ' MB',
      1,
    );
    ctx.report.target(
      'worker RSS growth over the second half',
      figures.workerRssLastHalfGrowthMb,
      { atMost: 10, text: 'no upward trend (≤ 10 MB)' },
      ' MB',
      1,
    );
    ctx.report.target(
      'Redis used_memory after − before',
      figures.redisMemoryDeltaMb,
      { atMost: 10 },
      ' MB',
    );
  },
};
