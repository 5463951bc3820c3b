import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { openLoop, warmUp } from '../open-loop.js';
import type { Scenario } from '../scenario.js';
import { percentile } from '../stats.js';

/** Events per second. */
const RATE = 500;

/**
 * Latency at a steady 500 events/s (durable publish) with one worker
 * (default settings) running, after a warm-up at the same rate.
 */
export const latency: Scenario = {
  name: 'latency',
  async run(ctx) {
    const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
    await ctx.reset({ latency: true });
    const [worker] = await ctx.start('deliver', 1);
    const publish = async () => {
      await ctx.producer.publishEvent(ctx.endpoints.one.agentId, 'agent.step.completed', step);
    };
    await warmUp(ctx, RATE, publish, { latency: true });
    const total = RATE * ctx.sizes.latencySeconds;
    const reached = ctx.receiver.next('reached');
    ctx.receiver.tell({ type: 'expect', count: total });
    const publishLatencies = await openLoop(RATE, ctx.sizes.latencySeconds, publish);
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
