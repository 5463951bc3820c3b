import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { PUBLISH_CALLERS } from '../context.js';
import type { Scenario } from '../scenario.js';

/** Ceilings of publishing: BullMQ `add` from concurrent callers, and `addBulk` of 100. */
export const ceilingQueueAdd: Scenario = {
  name: 'ceiling-queue-add',
  async run(ctx) {
    const n = ctx.sizes.ceiling;
    const job = {
      name: 'deliver',
      data: { body: JSON.stringify({ data: EXAMPLE_EVENT_DATA['agent.step.completed'] }) },
    };
    await ctx.reset();
    let next = 0;
    let started = performance.now();
    await Promise.all(
      Array.from({ length: PUBLISH_CALLERS }, async () => {
        while (next < n) {
          next++;
          await ctx.queue.add(job.name, job.data);
        }
      }),
    );
    ctx.report.figure('ceilingAddPerSecond', n / ((performance.now() - started) / 1000));
    await ctx.reset();
    started = performance.now();
    for (let i = 0; i < n; i += 100)
      await ctx.queue.addBulk(Array.from({ length: 100 }, () => job));
    ctx.report.figure('ceilingAddBulkPerSecond', n / ((performance.now() - started) / 1000));
  },
};
