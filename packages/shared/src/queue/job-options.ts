import type { JobsOptions, KeepJobs } from 'bullmq';
import type { Settings } from '../settings.js';
import { BACKOFF_TYPE } from './delivery-job.js';

/** BullMQ's retention of finished jobs: a count and an age (BullMQ counts age in seconds). */
function keep(limit: Settings['keepJobs']['completed']): KeepJobs {
  return { count: limit.count, age: Math.ceil(limit.ageMs / 1000) };
}

/**
 * BullMQ options of every delivery job. Finished jobs leave Redis by count
 * and by age (settings `WEBHOOK_KEEP_*_JOBS*`): Postgres is the record, so
 * Redis memory holds the work still to do, not the history.
 */
export function deliveryJobOptions(settings: Settings): JobsOptions {
  return {
    attempts: settings.retry.maxAttempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: keep(settings.keepJobs.completed),
    removeOnFail: keep(settings.keepJobs.failed),
  };
}
