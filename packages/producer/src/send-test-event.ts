import {
  EVENT_TYPES,
  EXAMPLE_EVENT_DATA,
  eventTypeSchema,
  parseOrThrow,
  type EventType,
} from '@letta-webhooks/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Attempt, DeliveryLog } from './delivery-log.js';
import type { EndpointStore } from './endpoint-store.js';
import { deliveryJobs, prepareEvent } from './publish-event.js';
import type { QueuedJob } from './replayer.js';

/** The agent id of test events sent to an endpoint that serves every agent of its organization. */
export const TEST_AGENT_ID = 'agent-test';

// How often the first attempt is looked for while waiting.
const POLL_MS = 50;

/** Options of `sendTestEvent`. */
export const testEventInputSchema = z.strictObject({
  /** The event type; its `data` is the catalogue's example. Default: the catalogue's first type. */
  eventType: eventTypeSchema.optional(),
  /** How long to wait for the first attempt. Default 0: do not wait. */
  waitMs: z.int().min(0).max(60_000).optional(),
});

/** Options of `sendTestEvent`. */
export type TestEventInput = z.input<typeof testEventInputSchema>;

/** A test delivery, and its first attempt if it was made within the wait. */
export interface TestEventResult {
  readonly eventId: string;
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly eventType: EventType;
  readonly attempt: Attempt | null;
}

/** Where test deliveries go once built (the producer's publish path). */
export type DispatchTest = (jobs: readonly QueuedJob[]) => Promise<void>;

/**
 * Test events ("send example"): the catalogue's example payload as a real,
 * recorded delivery to one endpoint only, trigger `test`, sent by a worker
 * like any other. The endpoint's subscription is not consulted: an operator
 * may test any type.
 */
export class TestEventSender {
  readonly #endpoints: EndpointStore;
  readonly #log: DeliveryLog;
  readonly #dispatch: DispatchTest;
  readonly #maxPayloadBytes: number;

  constructor(
    endpoints: EndpointStore,
    log: DeliveryLog,
    dispatch: DispatchTest,
    maxPayloadBytes: number,
  ) {
    this.#endpoints = endpoints;
    this.#log = log;
    this.#dispatch = dispatch;
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Sends a test event to one endpoint and waits up to `waitMs` for its first attempt.
   *
   * @throws {WebhookError} `NOT_FOUND` (field `endpointId`), `ENDPOINT_DISABLED`.
   */
  async send(endpointId: string, input: TestEventInput = {}): Promise<TestEventResult> {
    const options = parseOrThrow(testEventInputSchema, input, { what: 'test event options' });
    const endpoint = await this.#endpoints.enabled(
      endpointId,
      'endpointId',
      'sending a test event',
    );
    const eventType = options.eventType ?? EVENT_TYPES[0] ?? 'agent.step.completed';
    const event = prepareEvent(
      endpoint.agentId ?? TEST_AGENT_ID,
      eventType,
      EXAMPLE_EVENT_DATA[eventType],
      { organizationId: endpoint.organizationId },
      this.#maxPayloadBytes,
    );
    const jobs = deliveryJobs(event, [endpoint.id]).map((job) => ({
      ...job,
      data: { ...job.data, trigger: 'test' as const },
    }));
    await this.#dispatch(jobs);
    const deliveryId = jobs[0]?.data.deliveryId ?? '';
    return {
      eventId: event.eventId,
      deliveryId,
      endpointId: endpoint.id,
      eventType,
      attempt: await this.#firstAttempt(deliveryId, options.waitMs ?? 0),
    };
  }

  async #firstAttempt(deliveryId: string, waitMs: number): Promise<Attempt | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const attempt = (await this.#log.get(deliveryId))?.attempts[0];
      if (attempt !== undefined) return attempt;
      if (Date.now() + POLL_MS > deadline) return null;
      await sleep(POLL_MS);
    }
  }
}
