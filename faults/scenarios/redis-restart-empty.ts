import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/**
 * Redis without persistence killed mid-burst and started again empty: every
 * queued job is gone. Postgres holds what was published, so nothing is lost.
 */
export const redisRestartEmpty: FaultScenario = {
  name: 'Redis restart, data lost',
  run: (ctx) =>
    underLoad(ctx, {
      async fault(stage) {
        const queued = await stage.queue.getJobCounts('waiting', 'delayed', 'active');
        const jobs = (queued.waiting ?? 0) + (queued.delayed ?? 0) + (queued.active ?? 0);
        await stage.redis.kill();
        await sleep(2_000);
        await stage.redis.restart();
        return { notes: `SIGKILL with no AOF/RDB: ${jobs} queued jobs wiped; down 2 s` };
      },
    }),
};
