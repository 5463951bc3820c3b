import { parseOrThrow, type Database } from '@letta-webhooks/shared';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';

/** The windows a chart can show, and the width of each of its bars. */
export const STATS_WINDOWS = {
  '24h': { spanMs: 24 * 3_600_000, bucketMs: 3_600_000 },
  '7d': { spanMs: 7 * 24 * 3_600_000, bucketMs: 6 * 3_600_000 },
} as const;

/** Input of {@link EndpointStatsReader.read}. */
export const endpointStatsInputSchema = z.strictObject({
  /** The time window: the last 24 hours (hourly bars) or 7 days (6-hour bars). Default 24h. */
  window: z.enum(['24h', '7d']).default('24h'),
});

/** Input of {@link EndpointStatsReader.read}. */
export type EndpointStatsInput = z.input<typeof endpointStatsInputSchema>;

/** Attempts that started within one bar of the chart. */
export interface StatsBucket {
  /** Start of the bar (inclusive); it ends where the next one starts. */
  readonly start: Date;
  readonly succeeded: number;
  /** Attempts that did not succeed (retryable or permanent). */
  readonly failed: number;
  /** Median duration of the bar's attempts, in milliseconds; null when it has none. */
  readonly p50: number | null;
  /** 99th-percentile duration of the bar's attempts, in milliseconds; null when it has none. */
  readonly p99: number | null;
}

/** Attempt durations over the whole window, in milliseconds; null when there was no attempt. */
export interface LatencyPercentiles {
  readonly attempts: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** One endpoint's attempts over a window: outcomes per bar, and latency percentiles. */
export interface EndpointStats {
  readonly endpointId: string;
  readonly window: '24h' | '7d';
  readonly from: Date;
  readonly to: Date;
  readonly bucketMs: number;
  /** Every bar of the window, oldest first, empty ones included. */
  readonly buckets: readonly StatsBucket[];
  readonly latency: LatencyPercentiles;
}

/**
 * Charts of one endpoint, computed in Postgres: every attempt it received in
 * the window, counted per bar by outcome, and duration percentiles. The
 * window ends at the end of the current bar, so bars stay put as time passes.
 */
export class EndpointStatsReader {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The stats of `endpointId` (which the caller has checked exists). */
  async read(endpointId: string, input: EndpointStatsInput = {}): Promise<EndpointStats> {
    const { window } = parseOrThrow(endpointStatsInputSchema, input, { what: 'stats options' });
    const { spanMs, bucketMs } = STATS_WINDOWS[window];
    const to = Math.ceil((Date.now() + 1) / bucketMs) * bucketMs;
    const from = new Date(to - spanMs);
    // One pass over the window's attempts: a row per bar (with the bar's
    // percentiles), and (the empty grouping set) one for the whole window.
    const { rows } = await sql<{
      bucket: Date | null;
      succeeded: string;
      failed: string;
      percentiles: number[] | null;
    }>`
      SELECT date_bin(${`${bucketMs} milliseconds`}::interval, a.started_at, ${from}) AS bucket,
             count(*) FILTER (WHERE a.outcome = 'succeeded') AS succeeded,
             count(*) FILTER (WHERE a.outcome <> 'succeeded') AS failed,
             percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY a.duration_ms) AS percentiles
      FROM webhook_attempts a
      JOIN webhook_deliveries d ON d.id = a.delivery_id
      WHERE d.endpoint_id = ${endpointId} AND a.started_at >= ${from}
      GROUP BY GROUPING SETS ((1), ())`.execute(this.#db);
    const round = (value: number | null | undefined) =>
      value === null || value === undefined ? null : Math.round(value * 10) / 10;
    const buckets = Array.from({ length: spanMs / bucketMs }, (_, index) => ({
      start: new Date(from.getTime() + index * bucketMs),
      succeeded: 0,
      failed: 0,
      p50: null as number | null,
      p99: null as number | null,
    }));
    let total = { attempts: 0, percentiles: null as number[] | null };
    for (const row of rows) {
      const attempts = Number(row.succeeded) + Number(row.failed);
      if (row.bucket === null) {
        total = { attempts, percentiles: row.percentiles };
        continue;
      }
      const bucket = buckets[Math.round((row.bucket.getTime() - from.getTime()) / bucketMs)];
      if (bucket === undefined) continue;
      bucket.succeeded = Number(row.succeeded);
      bucket.failed = Number(row.failed);
      bucket.p50 = round(row.percentiles?.[0]);
      bucket.p99 = round(row.percentiles?.[2]);
    }
    const [p50 = null, p90 = null, p99 = null] = total.percentiles ?? [];
    return {
      endpointId,
      window,
      from,
      to: new Date(to),
      bucketMs,
      buckets,
      latency: {
        attempts: total.attempts,
        p50: round(p50),
        p90: round(p90),
        p99: round(p99),
      },
    };
  }
}
