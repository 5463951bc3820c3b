import type { JobsOptions, KeepJobs } from 'bullmq';
import { MAX_ATTEMPTS_LIMIT, type Settings } from '../settings.js';
import { BACKOFF_TYPE } from './delivery-job.js';

/** BullMQ's retention of finished jobs: a count and an age (BullMQ counts age in seconds). */
function keep(limit: Settings['keepJobs']['completed']): KeepJobs {
  return { count: limit.count, age: Math.ceil(limit.ageMs / 1000) };
}

/**
 * BullMQ options of every delivery job. Finished jobs leave Redis by count
 * and by age (settings `WEBHOOK_KEEP_*_JOBS*`): Postgres is the record, so
 * Redis memory holds the work still to do, not the history.
 *
 * `attempts` is only BullMQ's ceiling: the worker's retry policy
 * (`WEBHOOK_MAX_ATTEMPTS` of the worker) decides when a delivery stops, so
 * whoever enqueues a job (producer, outbox relay, replay) stamps no policy.
 */
export function deliveryJobOptions(settings: Pick<Settings, 'keepJobs'>): JobsOptions {
  return {
    attempts: MAX_ATTEMPTS_LIMIT,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: keep(settings.keepJobs.completed),
    removeOnFail: keep(settings.keepJobs.failed),
  };
}
