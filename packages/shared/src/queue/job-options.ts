import type { JobsOptions } from 'bullmq';
import type { Settings } from '../settings.js';
import { BACKOFF_TYPE } from './delivery-job.js';

/**
 * BullMQ options of every delivery job. Completed jobs leave Redis at once
 * (Postgres holds the record); failed ones stay a week for inspection.
 */
export function deliveryJobOptions(settings: Settings): JobsOptions {
  return {
    attempts: settings.retry.maxAttempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
  };
}
