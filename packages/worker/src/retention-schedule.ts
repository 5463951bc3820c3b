import type { Database, Settings } from '@letta-webhooks/shared';
import { Queue, Worker } from 'bullmq';
import type { RedisConnection } from '@letta-webhooks/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { deleteOldDeliveries } from './retention.js';

const SCHEDULER_ID = 'retention';

/** The retention cleanup's queue and worker; `close()` stops both. */
export interface RetentionSchedule {
  close(): Promise<void>;
}

/**
 * Runs the retention cleanup every `intervalMs` on a maintenance queue. The
 * BullMQ job scheduler is upserted by every worker process but fires once
 * per interval, so exactly one worker does each pass.
 */
export function scheduleRetention(
  settings: Settings,
  redis: RedisConnection,
  db: Kysely<Database>,
  logger: Logger,
): RetentionSchedule | undefined {
  if (settings.retention.days === 0) return undefined;
  const name = `${settings.queueName}-maintenance`;
  const queue = new Queue(name, { connection: redis, prefix: settings.queuePrefix });
  queue.on('error', () => undefined);
  const olderThanMs = settings.retention.days * 86_400_000;
  const worker = new Worker(
    name,
    async () => {
      const result = await deleteOldDeliveries(db, olderThanMs);
      logger.info({ ...result, days: settings.retention.days }, 'retention cleanup done');
      return result;
    },
    { connection: redis, prefix: settings.queuePrefix, concurrency: 1 },
  );
  worker.on('error', (error) => {
    logger.warn({ err: error.message }, 'retention worker error');
  });
  queue
    .upsertJobScheduler(
      SCHEDULER_ID,
      { every: settings.retention.intervalMs },
      { name: SCHEDULER_ID, opts: { removeOnComplete: true, removeOnFail: 10 } },
    )
    .catch((error: unknown) => {
      logger.warn({ err: String(error) }, 'could not schedule the retention cleanup');
    });
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
