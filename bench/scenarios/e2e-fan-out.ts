import { CONCURRENCY, FAN_OUT } from '../context.js';
import { e2eRun } from '../pipeline-run.js';
import type { Scenario } from '../scenario.js';

/**
 * End to end, one worker process at c=100, deliveries fanned out over 100
 * endpoints (so the per-endpoint cap is not what is measured): the issue's
 * CPU targets are stated here.
 */
export const e2eFanOut: Scenario = {
  name: 'e2e-fan-out',
  async run(ctx) {
    const result = await e2eRun(ctx, 'fanOut', 1, CONCURRENCY);
    const cpu = result.cpuMicrosPerUnit;
    const where = `c=${String(CONCURRENCY)}, fan-out ${String(FAN_OUT)}`;
    ctx.report.figure('e2eFanOutPerSecond', result.perSecond);
    ctx.report.figure('e2eFanOutWorkerCpuMicrosPerDelivery', cpu.worker ?? Number.NaN);
    ctx.report.figure(
      'e2eFanOutPostgresCpuMicrosPerDelivery',
      cpu['postgres (worker)'] ?? Number.NaN,
    );
    ctx.report.target(`worker CPU per delivery (${where})`, cpu.worker, { atMost: 300 }, ' µs', 0);
    ctx.report.target(
      `Postgres CPU per delivery, recording (${where})`,
      cpu['postgres (worker)'],
      { atMost: 60 },
      ' µs',
      0,
    );
    ctx.report.target(
      `e2e ÷ raw axios, fan-out (${String(CONCURRENCY)} in flight)`,
      result.vsAxios,
      { atLeast: 0.7 },
    );
    if (result.vsBare !== undefined) ctx.report.figure('e2eFanOutVsBare', result.vsBare);
  },
};
