import { endpointStatsInputSchema, type EndpointStats } from '@letta-webhooks/producer';
import { z } from 'zod';
import { isoTime } from './common-schemas.js';
import { named, type SameShape } from './registry.js';
import { wireObject } from './snake-case.js';
import type { Wire } from './to-wire.js';

/** `GET /v1/endpoints/{id}/stats` query. */
export const endpointStatsQuerySchema = wireObject(endpointStatsInputSchema);

/** One endpoint's attempts over a window, for its chart. */
export const endpointStatsSchema = named(
  'EndpointStats',
  z.object({
    endpoint_id: z.string(),
    window: endpointStatsInputSchema.shape.window.unwrap(),
    from: isoTime.describe('Start of the first bar.'),
    to: isoTime.describe('End of the last bar (the end of the current one).'),
    bucket_ms: z.int().describe('Width of each bar: 1 h over 24 h, 6 h over 7 d.'),
    buckets: z
      .array(
        z.object({
          start: isoTime,
          succeeded: z.int(),
          failed: z.int().describe('Attempts that did not succeed (retried or permanent).'),
          p50: z.number().nullable().describe("Median duration of the bar's attempts, ms."),
          p99: z
            .number()
            .nullable()
            .describe("99th-percentile duration of the bar's attempts, ms."),
        }),
      )
      .describe('Every bar of the window, oldest first, empty ones included.'),
    latency: z
      .object({
        attempts: z.int(),
        p50: z.number().nullable(),
        p90: z.number().nullable(),
        p99: z.number().nullable(),
      })
      .describe('Attempt durations over the window, in ms; null without attempts.'),
  }),
);
true satisfies SameShape<z.output<typeof endpointStatsSchema>, Wire<EndpointStats>>;
