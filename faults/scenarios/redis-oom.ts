import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultScenario } from '../scenario.js';
import type { Stage } from '../stage.js';
import { publishBurst } from '../support/publisher.js';
import { underLoad } from './under-load.js';

const FILLER_BYTES = 8 * 1024 * 1024;
const OOM_SECONDS = 10;

async function usedMemory(stage: Stage): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await stage.redis.cli('info', 'memory'))?.[1] ?? 0);
}

/**
 * Redis full under `noeviction` mid-load: other keys take the memory up to
 * `maxmemory`, so every write is refused for 10 s; then they are deleted.
 * Workers must back off quietly (bounded log lines) and resume by themselves.
 * Also measures Redis memory per queued job.
 */
export const redisOom: FaultScenario = {
  name: 'Redis OOM (noeviction)',
  async run(ctx) {
    let perJob = 0;
    const outcome = await underLoad(ctx, {
      stage: {
        redisArgs: ['--maxmemory-policy', 'noeviction'],
        env: { WEBHOOK_REDIS_OOM_BACKOFF_MS: '200', WEBHOOK_REDIS_OOM_BACKOFF_MAX_MS: '2000' },
      },
      workers: 0,
      async fault(stage) {
        const linesBefore = stage.workers.map((w) => w.lines.length);
        const used = await usedMemory(stage);
        await stage.redis.cli('setrange', 'lw-filler', String(FILLER_BYTES - 1), 'x');
        await stage.redis.cli('config', 'set', 'maxmemory', String(used + FILLER_BYTES / 2));
        await sleep(OOM_SECONDS * 1_000);
        const lines = stage.workers.map((w, i) => w.lines.slice(linesBefore[i] ?? 0));
        const most = Math.max(0, ...lines.map((l) => l.length));
        await stage.redis.cli('del', 'lw-filler');
        // Bounded: about one warning per worker per 10 s interval, not one per refusal.
        return {
          notes: `${OOM_SECONDS} s over maxmemory; at most ${most} log lines per worker meanwhile; memory freed by deleting the other keys (maxmemory unchanged); ${perJob} bytes of Redis per queued job`,
          ok: most <= 5,
        };
      },
      async warmUp(stage) {
        // Memory per queued job: a burst with no worker running, measured before and after.
        const before = await usedMemory(stage);
        const probe = await publishBurst(stage.producer, 1_000, 'agent-f');
        const after = await usedMemory(stage);
        perJob = Math.round(
          (after - before) / Math.max(1, probe.flatMap((r) => r.deliveryIds).length),
        );
        for (let i = 0; i < 2; i++) stage.startWorker();
        return probe;
      },
    });
    return outcome;
  },
};
