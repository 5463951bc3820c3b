import type { Database, DeliveryJobData } from '@letta-webhooks/shared';
import type { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';

/** Queue depths and recent attempt outcomes (`getStats`). */
export interface QueueStats {
  readonly queue: Readonly<Record<string, number>>;
  readonly windowSeconds: number;
  readonly attempts: readonly {
    readonly outcome: string;
    readonly statusClass: string;
    readonly count: number;
  }[];
}

/**
 * Queue depths now, and the outcomes of the attempts made in the last
 * `windowSeconds`, grouped by outcome and status class.
 */
export async function readQueueStats(
  queue: Queue<DeliveryJobData>,
  db: Kysely<Database>,
  windowSeconds: number,
): Promise<QueueStats> {
  const [queueCounts, attempts] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
    sql<{ outcome: string; status_class: string; n: string }>`
      SELECT outcome, coalesce((status_code / 100)::text || 'xx', 'none') AS status_class, count(*) AS n
      FROM webhook_attempts WHERE created_at > now() - ${windowSeconds} * interval '1 second'
      GROUP BY 1, 2 ORDER BY 1, 2
    `.execute(db),
  ]);
  return {
    queue: queueCounts,
    windowSeconds,
    attempts: attempts.rows.map((row) => ({
      outcome: row.outcome,
      statusClass: row.status_class,
      count: Number(row.n),
    })),
  };
}
