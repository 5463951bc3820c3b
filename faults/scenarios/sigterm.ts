import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/** A worker stopped with SIGTERM mid-load: it finishes or hands back its work, duplicating nothing. */
export const sigterm: FaultScenario = {
  name: 'SIGTERM mid-load',
  async run(ctx) {
    let stopMs = 0;
    let code: number | null = null;
    const outcome = await underLoad(ctx, {
      async fault(stage) {
        const stopping = stage.workers[0];
        const t0 = Date.now();
        stopping?.child.kill('SIGTERM');
        code = (await stopping?.exited) ?? null;
        stopMs = Date.now() - t0;
        const leftover = stopping?.lines.filter((line) => line.includes('outlived shutdown')) ?? [];
        return {
          notes: `stopped worker exited ${String(code)} after ${stopMs} ms${leftover.length > 0 ? ' (a handle outlived shutdown)' : ''}`,
          ok: code === 0 && leftover.length === 0,
        };
      },
    });
    return {
      ...outcome,
      allowedDuplicates: 0,
      ok: outcome.ok && outcome.contract.duplicates === 0,
    };
  },
};
