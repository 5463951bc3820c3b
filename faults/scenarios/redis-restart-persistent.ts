import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/** Redis with AOF stopped cleanly mid-load and started again 2 s later, with its data. */
export const redisRestartPersistent: FaultScenario = {
  name: 'Redis restart (AOF)',
  run: (ctx) =>
    underLoad(ctx, {
      stage: { redisArgs: ['--appendonly', 'yes', '--appendfsync', 'everysec'] },
      async fault(stage) {
        await stage.redis.shutdown();
        await sleep(2_000);
        await stage.redis.restart();
        return { notes: 'SHUTDOWN (AOF written), down 2 s, restarted with its data' };
      },
    }),
};
