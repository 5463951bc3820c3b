// The no-loss contract, checked from the outside: the receiver's own records,
// BullMQ's queue in Redis, and Postgres read directly.
import type { Database } from '@letta-webhooks/shared';
import type { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { PublishRecord } from './publisher.js';
import type { VerifyingReceiver } from './verifying-receiver.js';

/** What the contract found for one scenario. */
export interface ContractResult {
  /** Deliveries whose publish resolved (acknowledged to the caller). */
  readonly published: number;
  /** Publish calls that failed (during the fault, typically), by error code. */
  readonly refused: Readonly<Record<string, number>>;
  /** p99 latency of publish calls made during the fault (ms), or undefined. */
  readonly faultPublishP99Ms: number | undefined;
  /** Published deliveries never acknowledged by the receiver OR not `succeeded` in Postgres. */
  readonly lost: number;
  /** Deliveries the receiver acknowledged more than once, counted once per extra time. */
  readonly duplicates: number;
  /** Requests the receiver got without an attempt row of the same number. */
  readonly missingAttemptRows: number;
  /** Requests with an invalid signature. */
  readonly badSignatures: number;
  /** BullMQ jobs left waiting/active/delayed/failed, beyond the expected failures. */
  readonly leftoverJobs: number;
  /** Deliveries still pending in Postgres. */
  readonly pendingRows: number;
}

/** What a scenario allows. */
export interface ContractAllowance {
  /** Duplicates allowed: the deliveries in flight when the fault hit. */
  readonly duplicates: number;
  /** Requests allowed without an attempt row (attempts whose worker was killed before it recorded). */
  readonly missingAttemptRows?: number;
  /** Published deliveries expected to end `failed`, not `succeeded` (misbehaving receivers). */
  readonly expectedFailures?: readonly string[];
}

function p99(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0);
}

/** Checks the contract for every publish in `records`. */
export async function checkContract(
  db: Kysely<Database>,
  receiver: VerifyingReceiver,
  queue: Queue,
  records: readonly PublishRecord[],
  allow: ContractAllowance,
): Promise<ContractResult> {
  const expectedFailures = new Set(allow.expectedFailures ?? []);
  const ids = records.flatMap((r) => r.deliveryIds).filter((id) => !expectedFailures.has(id));
  const refused: Record<string, number> = {};
  for (const r of records)
    if (r.outcome !== 'ok') refused[r.outcome] = (refused[r.outcome] ?? 0) + 1;

  const succeeded = new Set(
    (
      await sql<{ id: string }>`
        SELECT id FROM webhook_deliveries WHERE status = 'succeeded' AND id = ANY(${ids})
      `.execute(db)
    ).rows.map((r) => r.id),
  );
  const acked = receiver.acknowledged();
  const lost = ids.filter((id) => !succeeded.has(id) || !acked.has(id)).length;
  let duplicates = 0;
  for (const id of ids) duplicates += Math.max(0, (acked.get(id) ?? 0) - 1);

  const received = receiver.requests.filter((r) => r.deliveryId !== '');
  const rows = new Set(
    (
      await sql<{ k: string }>`
        SELECT delivery_id || '#' || attempt_number AS k FROM webhook_attempts
        WHERE delivery_id = ANY(${[...new Set(received.map((r) => r.deliveryId))]})
      `.execute(db)
    ).rows.map((r) => r.k),
  );
  const missingAttemptRows = received.filter(
    (r) => !rows.has(`${r.deliveryId}#${r.attempt}`),
  ).length;

  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  const leftoverJobs =
    (counts.waiting ?? 0) +
    (counts.active ?? 0) +
    (counts.delayed ?? 0) +
    (counts.prioritized ?? 0) +
    Math.max(0, (counts.failed ?? 0) - expectedFailures.size);
  const pending = await sql<{ n: string }>`
    SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'
  `.execute(db);
  return {
    published: ids.length + expectedFailures.size,
    refused,
    faultPublishP99Ms: p99(records.filter((r) => r.duringFault).map((r) => r.ms)),
    lost,
    duplicates,
    missingAttemptRows,
    badSignatures: receiver.requests.filter((r) => !r.signatureValid).length,
    leftoverJobs,
    pendingRows: Number(pending.rows[0]?.n ?? 0),
  };
}

/** Whether a result meets the contract under its allowance. */
export function contractHolds(result: ContractResult, allow: ContractAllowance): boolean {
  return (
    result.lost === 0 &&
    result.duplicates <= allow.duplicates &&
    result.missingAttemptRows <= (allow.missingAttemptRows ?? 0) &&
    result.badSignatures === 0 &&
    result.leftoverJobs === 0 &&
    result.pendingRows === 0
  );
}
