import { CONCURRENCY, type Target } from '../context.js';
import { axiosRun, ceilingFigure, inFlightOf } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/**
 * Ceiling: raw axios keep-alive POSTs of an envelope-sized body to the same
 * receiver, at the in-flight count the worker reaches for each target (one
 * endpoint: its in-flight cap; fan-out: the worker's concurrency).
 */
export const ceilingAxios: Scenario = {
  name: 'ceiling-axios',
  async run(ctx) {
    for (const target of ['one', 'fanOut'] as const satisfies readonly Target[]) {
      const inFlight = inFlightOf(ctx, target, CONCURRENCY);
      const result = await axiosRun(ctx, target, inFlight, ctx.sizes.ceiling);
      ctx.report.figure(ceilingFigure.axios(target), result.perSecond);
      ctx.report.run({ run: `ceiling: raw axios POST, ${target}`, inFlight, ...result });
    }
  },
};
