import { CONCURRENCY } from '../context.js';
import { queueRun } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/** Ceiling: a BullMQ worker whose processor does nothing, at the bench's concurrency. */
export const ceilingNoop: Scenario = {
  name: 'ceiling-noop',
  async run(ctx) {
    const result = await queueRun(ctx, {
      mode: 'noop',
      target: 'one',
      deliveries: ctx.sizes.ceiling,
      workers: 1,
      concurrency: CONCURRENCY,
    });
    ctx.report.figure('ceilingNoopJobsPerSecond', result.perSecond);
    ctx.report.run({ run: 'ceiling: BullMQ no-op jobs', inFlight: CONCURRENCY, ...result });
  },
};
