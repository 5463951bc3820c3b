import { CONCURRENCY } from '../context.js';
import { e2eRun, inFlightOf } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/** End to end, one worker process, every delivery to one endpoint (its in-flight cap binds). */
export const e2eOneEndpoint: Scenario = {
  name: 'e2e-one-endpoint',
  async run(ctx) {
    const result = await e2eRun(ctx, 'one', 1, CONCURRENCY);
    ctx.report.figure('e2eOneWorkerPerSecond', result.perSecond);
    ctx.report.target(
      `e2e ÷ raw axios, one endpoint (${String(inFlightOf(ctx, 'one', CONCURRENCY))} in flight)`,
      result.vsAxios,
      { atLeast: 0.7 },
    );
  },
};
