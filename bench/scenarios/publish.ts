import { createProducer, type Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA } from '@letta-webhooks/shared';
import { PUBLISH_CALLERS } from '../context.js';
import type { Scenario } from '../scenario.js';

/**
 * Publishing through the producer: `publishEvent` from concurrent callers —
 * durable (the default: committed in Postgres, then enqueued) and fast
 * (Redis only) — and `publishEvents` in batches of 100, each with the CPU the
 * publish path costs per published delivery (`driver` is the producer's process).
 */
export const publish: Scenario = {
  name: 'publish',
  async run(ctx) {
    const n = ctx.sizes.publish;
    const step = EXAMPLE_EVENT_DATA['agent.step.completed'];
    const metered = async (run: string, inFlight: number, work: () => Promise<void>) => {
      await ctx.reset();
      const meter = await ctx.meter([]);
      const started = performance.now();
      await work();
      const perSecond = n / ((performance.now() - started) / 1000);
      const used = await meter.stop();
      const cpuMicrosPerUnit = Object.fromEntries(
        Object.entries(used).map(([group, micros]) => [group, micros / n]),
      );
      ctx.report.run({ run, inFlight, units: n, perSecond, cpuMicrosPerUnit });
      return { perSecond, cpuMicrosPerUnit };
    };

    const concurrently = (producer: Producer) => () => {
      let next = 0;
      return Promise.all(
        Array.from({ length: PUBLISH_CALLERS }, async () => {
          while (next < n) {
            next++;
            await producer.publishEvent(ctx.endpoints.one.agentId, 'agent.step.completed', step);
          }
        }),
      ).then(() => undefined);
    };
    const single = await metered(
      `publishEvent (durable), ${PUBLISH_CALLERS} callers`,
      PUBLISH_CALLERS,
      concurrently(ctx.producer),
    );
    const fastProducer = createProducer({
      settings: { ...ctx.settings, publishMode: 'fast' },
      organizationId: 'org-bench',
    });
    try {
      const fast = await metered(
        `publishEvent (fast: Redis only), ${PUBLISH_CALLERS} callers`,
        PUBLISH_CALLERS,
        concurrently(fastProducer),
      );
      ctx.report.figure('fastPublishPerSecond', fast.perSecond);
    } finally {
      await fastProducer.close();
    }
    ctx.report.figure('publishPerSecond', single.perSecond);
    ctx.report.figure('publishProducerCpuMicrosPerDelivery', single.cpuMicrosPerUnit.driver ?? 0);
    ctx.report.figure(
      'publishPostgresCpuMicrosPerDelivery',
      single.cpuMicrosPerUnit['postgres (driver)'] ?? 0,
    );
    const batch = await metered('publishEvents, batches of 100', 1, async () => {
      for (let i = 0; i < n; i += 100) {
        await ctx.producer.publishEvents(
          Array.from({ length: 100 }, () => ({
            agentId: ctx.endpoints.one.agentId,
            eventType: 'agent.step.completed' as const,
            data: step,
          })),
        );
      }
    });
    ctx.report.figure('batchPublishPerSecond', batch.perSecond);

    const vsAdd = (figure: string, ceiling: string) => {
      const value = ctx.report.get(figure);
      const base = ctx.report.get(ceiling);
      return value === undefined || base === undefined ? undefined : value / base;
    };
    ctx.report.target(
      `publishEvent (durable)/s ÷ BullMQ add/s, both at ${PUBLISH_CALLERS} callers`,
      vsAdd('publishPerSecond', 'ceilingAddPerSecond'),
      { atLeast: 0.5 },
    );
    ctx.report.target(
      'publishEvents (durable)/s ÷ BullMQ addBulk/s',
      vsAdd('batchPublishPerSecond', 'ceilingAddBulkPerSecond'),
      { atLeast: 0.5 },
    );
  },
};
