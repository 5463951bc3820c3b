import { CONCURRENCY, type Target } from '../context.js';
import { ceilingFigure, inFlightOf, queueRun, ratioTo } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/**
 * Ceiling: the bare pipeline built from the same parts as the worker — a
 * BullMQ worker → HMAC-SHA256 over the body → axios keep-alive POST →
 * attempt rows inserted in batches (every 5 ms or 200 rows, one unnest
 * INSERT) — at the in-flight count the worker reaches for each target.
 */
export const ceilingBarePipeline: Scenario = {
  name: 'ceiling-bare-pipeline',
  async run(ctx) {
    for (const target of ['one', 'fanOut'] as const satisfies readonly Target[]) {
      const inFlight = inFlightOf(ctx, target, CONCURRENCY);
      const result = await queueRun(ctx, {
        mode: 'bare',
        target,
        deliveries: ctx.sizes.ceiling,
        workers: 1,
        concurrency: inFlight,
      });
      ctx.report.figure(ceilingFigure.bare(target), result.perSecond);
      const vsAxios = ratioTo(ctx, result.perSecond, ceilingFigure.axios(target));
      ctx.report.run({
        run: `ceiling: bare pipeline, ${target}`,
        inFlight,
        ...result,
        ...(vsAxios === undefined ? {} : { vsAxios }),
      });
    }
  },
};
