import { setTimeout as sleep } from 'node:timers/promises';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import type { Scenario } from '../scenario.js';
import { percentile } from '../stats.js';

/** Latency at a steady 500 events/s (durable publish) with one worker (default settings) running. */
export const latency: Scenario = {
  name: 'latency',
  async run(ctx) {
    const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
    await ctx.reset({ latency: true });
    const [worker] = await ctx.start('deliver', 1);
    const total = 500 * ctx.sizes.latencySeconds;
    const reached = ctx.receiver.next('reached');
    ctx.receiver.tell({ type: 'expect', count: total });
    const publishLatencies: number[] = [];
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + i * 2 - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(
        (async () => {
          const s = performance.now();
          await ctx.producer.publishEvent(ctx.endpoints.one.agentId, 'agent.step.completed', step);
          publishLatencies.push(performance.now() - s);
        })(),
      );
    }
    await Promise.all(pending);
    await reached;
    const { latencies } = await ctx.receiver.ask<{ latencies: number[] }>({ type: 'stats' });
    await worker?.stop();
    const figures = {
      publishLatencyP50Ms: percentile(publishLatencies, 50),
      publishLatencyP99Ms: percentile(publishLatencies, 99),
      deliveryLatencyP50Ms: percentile(latencies, 50),
      deliveryLatencyP95Ms: percentile(latencies, 95),
      deliveryLatencyP99Ms: percentile(latencies, 99),
    };
    for (const [name, value] of Object.entries(figures)) ctx.report.figure(name, value);
    ctx.report.target(
      'publishEvent (durable) p99 at 500/s',
      figures.publishLatencyP99Ms,
      { atMost: 3 },
      ' ms',
    );
    ctx.report.target(
      'publish → receiver p50 at 500/s',
      figures.deliveryLatencyP50Ms,
      { atMost: 5 },
      ' ms',
    );
    ctx.report.target(
      'publish → receiver p99 at 500/s',
      figures.deliveryLatencyP99Ms,
      { atMost: 50 },
      ' ms',
    );
  },
};
