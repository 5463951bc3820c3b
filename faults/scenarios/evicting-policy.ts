import { isWebhookError, EXAMPLE_EVENT_DATA, withTimeout } from '@letta-webhooks/shared';
import type { FaultScenario } from '../scenario.js';

/**
 * Redis with an evicting `maxmemory-policy` (allkeys-lru): evicted job keys
 * would lose deliveries silently, so the worker refuses to start (exit 2, one
 * line naming `noeviction` and the setting) and publishing is refused with a
 * typed error. Nothing is published, so nothing can be lost.
 */
export const evictingPolicy: FaultScenario = {
  name: 'evicting Redis refused',
  async run(ctx) {
    const stage = await ctx.stage({ redisArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    const started = Date.now();
    try {
      await stage.endpoint('/ok', 'agent-f');
      const worker = stage.startWorker();
      const exit = await withTimeout(worker.exited, 20_000);
      const code = exit.timedOut ? 'running' : exit.value;
      const lines = worker.lines;
      const oneLine =
        lines.length === 1 &&
        /noeviction/.test(lines[0] ?? '') &&
        /WEBHOOK_ALLOW_EVICTING_REDIS/.test(lines[0] ?? '');
      let publish = 'resolved';
      try {
        await stage.producer.publishEvent(
          'agent-f',
          'agent.run.completed',
          EXAMPLE_EVENT_DATA['agent.run.completed'],
        );
      } catch (error) {
        publish = isWebhookError(error) ? error.code : String(error);
      }
      const contract = await stage.check([], { duplicates: 0 });
      return {
        contract,
        allowedDuplicates: 0,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        ok: contract.ok && code === 2 && oneLine && publish === 'INVALID_SETTINGS',
        notes: `worker exit ${String(code)}, ${lines.length} line(s) of output${oneLine ? ' naming noeviction and WEBHOOK_ALLOW_EVICTING_REDIS' : `: ${lines.join(' / ')}`}; publishEvent: ${publish}`,
      };
    } finally {
      await stage.close();
    }
  },
};
