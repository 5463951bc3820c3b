import { withTimeout } from '@letta-webhooks/shared';

/** True when `promise` settles within `ms`; the timer never outlives the race. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return !(await withTimeout(promise, ms)).timedOut;
}
