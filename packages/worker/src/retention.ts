import type { Database } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';

/** What one retention pass deleted. */
export interface RetentionResult {
  readonly attempts: number;
  readonly deliveries: number;
  readonly events: number;
}

const BATCH = 5_000;

/**
 * Deletes settled deliveries (succeeded, failed, cancelled) completed more
 * than `olderThanMs` ago, with their attempts, then events left with no
 * delivery — in batches of 5,000 rows, each its own short transaction, so a
 * large backlog never holds long locks. Pending deliveries are never touched.
 */
export async function deleteOldDeliveries(
  db: Kysely<Database>,
  olderThanMs: number,
): Promise<RetentionResult> {
  const cutoff = new Date(Date.now() - olderThanMs);
  let attempts = 0;
  let deliveries = 0;
  let events = 0;
  for (;;) {
    const { rows } = await sql<{ attempts: string; deliveries: string }>`
      WITH doomed AS (
        SELECT id FROM webhook_deliveries
        WHERE status <> 'pending' AND completed_at < ${cutoff}
        LIMIT ${BATCH}
      ), gone_attempts AS (
        DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM doomed) RETURNING 1
      ), gone_deliveries AS (
        -- Foreign keys are checked at the end of the statement, when both are gone.
        DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM doomed)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM gone_attempts) AS attempts, (SELECT count(*) FROM gone_deliveries) AS deliveries
    `.execute(db);
    const row = rows[0];
    attempts += Number(row?.attempts ?? 0);
    const deleted = Number(row?.deliveries ?? 0);
    deliveries += deleted;
    if (deleted < BATCH) break;
  }
  for (;;) {
    const result = await sql`
      DELETE FROM webhook_events WHERE (organization_id, id) IN (
        SELECT e.organization_id, e.id FROM webhook_events e
        WHERE e.created_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
            WHERE d.organization_id = e.organization_id AND d.event_id = e.id)
        LIMIT ${BATCH}
      )
    `.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    events += deleted;
    if (deleted < BATCH) break;
  }
  return { attempts, deliveries, events };
}
