import type { BenchContext } from '../context.js';
import type { Scenario } from '../scenario.js';

// Healthy deliveries/s with (or without) as many again going to an endpoint that never answers.
async function healthyRate(ctx: BenchContext, withHanging: boolean): Promise<number> {
  const n = ctx.sizes.isolation;
  await ctx.reset();
  await ctx.publish(n, 'one');
  if (withHanging) await ctx.publish(n, 'hang');
  // The receiver counts answered requests only: /hang never answers.
  const reached = ctx.receiver.next('reached');
  ctx.receiver.tell({ type: 'expect', count: n });
  const [worker] = await ctx.start('deliver', 1, {
    WEBHOOK_REQUEST_TIMEOUT_MS: '2000',
    WEBHOOK_MAX_ATTEMPTS: '1',
  });
  const begin = performance.now();
  await reached;
  const rate = n / ((performance.now() - begin) / 1000);
  await worker?.stop();
  return rate;
}

/** Isolation: healthy throughput alone, and beside an endpoint that hangs until the timeout. */
export const isolation: Scenario = {
  name: 'isolation',
  async run(ctx) {
    const healthy = await healthyRate(ctx, false);
    const withHanging = await healthyRate(ctx, true);
    ctx.report.figure('isolationAllHealthyPerSecond', healthy);
    ctx.report.figure('isolationWithHangingPerSecond', withHanging);
    ctx.report.target(
      'healthy throughput with a hanging endpoint ÷ all healthy',
      withHanging / healthy,
      { atLeast: 0.8 },
    );
  },
};
