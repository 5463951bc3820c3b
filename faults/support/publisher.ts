// Publishing as an agent service does, counting each publish's outcome and
// latency — before a fault and while it lasts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from '@letta-webhooks/producer';
import { EXAMPLE_EVENT_DATA, isWebhookError } from '@letta-webhooks/shared';

/** One publish call and what came of it. */
export interface PublishRecord {
  /** The deliveries it acknowledged (empty when it failed). */
  readonly deliveryIds: readonly string[];
  /** `ok`, or the error code it failed with. */
  readonly outcome: string;
  readonly ms: number;
  /** Made while a fault was active. */
  readonly duringFault: boolean;
}

const step = EXAMPLE_EVENT_DATA['agent.step.completed'];

/** Publishes `count` events to `agentId` in batches of 200 (publishEvents). */
export async function publishBurst(
  producer: Producer,
  count: number,
  agentId: string,
): Promise<PublishRecord[]> {
  const records: PublishRecord[] = [];
  for (let i = 0; i < count; i += 200) {
    const size = Math.min(200, count - i);
    const started = performance.now();
    try {
      const results = await producer.publishEvents(
        Array.from({ length: size }, () => ({
          agentId,
          eventType: 'agent.step.completed' as const,
          data: step,
        })),
      );
      records.push({
        deliveryIds: results.flatMap((r) => r.deliveries.map((d) => d.deliveryId)),
        outcome: 'ok',
        ms: performance.now() - started,
        duringFault: false,
      });
    } catch (error) {
      records.push({
        deliveryIds: [],
        outcome: isWebhookError(error) ? error.code : String(error),
        ms: performance.now() - started,
        duringFault: false,
      });
    }
  }
  return records;
}

/** Publishing one event at a time at a steady rate until `stop()`. */
export interface SteadyPublisher {
  readonly records: PublishRecord[];
  /** Marks the publishes from now on as made during the fault (or not). */
  fault(active: boolean): void;
  stop(): Promise<void>;
}

/** Starts publishing `perSecond` single events (publishEvent) to `agentId`. */
export function publishSteadily(
  producer: Producer,
  agentId: string,
  perSecond: number,
): SteadyPublisher {
  const records: PublishRecord[] = [];
  let stopped = false;
  let duringFault = false;
  const loop = (async () => {
    const gap = 1000 / perSecond;
    let next = performance.now();
    while (!stopped) {
      const started = performance.now();
      try {
        const result = await producer.publishEvent(agentId, 'agent.step.completed', step);
        records.push({
          deliveryIds: result.deliveries.map((d) => d.deliveryId),
          outcome: 'ok',
          ms: performance.now() - started,
          duringFault,
        });
      } catch (error) {
        records.push({
          deliveryIds: [],
          outcome: isWebhookError(error) ? error.code : String(error),
          ms: performance.now() - started,
          duringFault,
        });
      }
      next += gap;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else next = performance.now();
    }
  })();
  return {
    records,
    fault(active) {
      duringFault = active;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
