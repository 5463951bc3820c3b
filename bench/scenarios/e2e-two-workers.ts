import { CONCURRENCY } from '../context.js';
import { e2eRun } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/** End to end with two worker processes, fan-out: how far a second process scales on this host. */
export const e2eTwoWorkers: Scenario = {
  name: 'e2e-two-workers',
  async run(ctx) {
    const result = await e2eRun(ctx, 'fanOut', 2, CONCURRENCY);
    ctx.report.figure('e2eTwoWorkersPerSecond', result.perSecond);
    const one = ctx.report.get('e2eFanOutPerSecond');
    if (one !== undefined) ctx.report.figure('e2eTwoWorkersVsOne', result.perSecond / one);
  },
};
