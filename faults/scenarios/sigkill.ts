import type { FaultScenario } from '../scenario.js';
import { underLoad } from './under-load.js';

/** A worker killed with SIGKILL mid-load; a new one started in its place. */
export const sigkill: FaultScenario = {
  name: 'SIGKILL mid-load',
  run: (ctx) =>
    underLoad(ctx, {
      async fault(stage, inFlight) {
        const killed = stage.workers[0];
        killed?.child.kill('SIGKILL');
        await killed?.exited;
        stage.startWorker();
        return {
          notes: `one of two workers killed at 30 % with ${inFlight} deliveries in flight; a new one started`,
          // Its in-flight attempts reached the receiver but died before they were recorded.
          missingAttemptRows: inFlight,
        };
      },
    }),
};
