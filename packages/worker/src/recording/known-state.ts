import type { DeliveryJobData } from '@letta-webhooks/shared';
import type { DeliveryState } from './delivery-recorder.js';

/** What {@link knownState} looks at in a BullMQ job. */
export interface JobRun {
  readonly data: DeliveryJobData;
  /** Attempts BullMQ counted as made (failed runs). */
  readonly attemptsMade: number;
  /** Times the job was moved to active, this run included (stalls and postponements count). */
  readonly attemptsStarted: number;
}

const UNATTEMPTED: DeliveryState = { status: 'pending', attemptCount: 0 };

/**
 * The delivery's state when the job itself proves it, else undefined (read it
 * from Postgres). Only the first run of a job made by the durable publish that
 * stored the delivery's row (`stored`) proves it: that row was committed
 * pending with no attempt, and no run of this job came before to change it.
 * A retry, a re-run after a stall or a postponement, a resend, a relayed or
 * reconciled job, and every job of the fast publish mode read the row.
 */
export function knownState(run: JobRun): DeliveryState | undefined {
  const { data } = run;
  const first = run.attemptsMade === 0 && run.attemptsStarted <= 1;
  const scheduled = data.trigger === undefined || data.trigger === 'scheduled';
  return data.stored === true && scheduled && first ? UNATTEMPTED : undefined;
}
