import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/** Three workers on one queue and no fault: nothing may arrive twice. */
export const threeWorkers: FaultScenario = {
  name: 'three workers',
  async run(ctx) {
    const outcome = await underLoad(ctx, {
      workers: 3,
      fault: () => Promise.resolve({ notes: 'no fault: duplicates must be zero' }),
    });
    return {
      ...outcome,
      allowedDuplicates: 0,
      ok: outcome.ok && outcome.contract.duplicates === 0,
    };
  },
};
