import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import {
  createProducer,
  type DeliveryDetail,
  type EndpointWithSecret,
  type Producer,
} from '@letta-webhooks/producer';
import {
  EXAMPLE_EVENT_DATA,
  type Database,
  type Settings,
  type SettingsEnv,
} from '@letta-webhooks/shared';
import { createWorker, type WebhookWorker } from '@letta-webhooks/worker';
import { Queue } from 'bullmq';
import { sql, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import { createTestContext, waitFor, type TestContext } from './harness.js';
import { startReceiver, type Receiver, type Responder } from './receiver.js';

/** The organization of the fixture's producer and of the endpoints it creates. */
export const FIXTURE_ORG = 'org-a';

/** The payload `publish` sends (an `agent.step.completed`). */
export const STEP = EXAMPLE_EVENT_DATA['agent.step.completed'];

/** How a test file's fixture is set up. */
export interface DeliveryFixtureOptions {
  /** Settings overrides of the test context. Default: none. */
  readonly settings?: SettingsEnv;
  /** The producer's default organization; `null` for none. Default: {@link FIXTURE_ORG}. */
  readonly organizationId?: string | null;
  /** The receiver's answer, restored after each test. Default: 200 `ok`. */
  readonly reply?: Responder;
  /** Start no receiver (the file does not deliver). Default: false. */
  readonly noReceiver?: boolean;
  /** Create the producer only when a test first uses it, not before the tests. Default: false. */
  readonly lazyProducer?: boolean;
  /** Workers started by `startWorker` are closed after each test, or once after the file. Default: `test`. */
  readonly workersLiveFor?: 'test' | 'file';
  /** Before each test: empty the queue and the delivery tables. Default: false. */
  readonly resetEachTest?: boolean;
  /** How long `settled` and `deliveryIn` wait. Default: `waitFor`'s. */
  readonly settleTimeoutMs?: number;
}

/** A published event with its one delivery. */
export interface Published {
  readonly eventId: string;
  readonly deliveryId: string;
}

/** What the tests of one file share: a context, a producer, a receiver, workers, and how to use them. */
export interface DeliveryFixture {
  /** The file's own database and queue prefix. */
  readonly ctx: TestContext;
  /** A producer on the context's settings (closed after the file). */
  readonly producer: Producer;
  /** A loopback receiver. */
  readonly receiver: Receiver;
  /** The context's delivery queue (opened at first use, closed after the file). */
  readonly queue: Queue;
  /** Starts a worker the fixture closes (see `workersLiveFor`). */
  readonly startWorker: (
    settings?: Settings,
    options?: { readonly logger?: Logger },
  ) => WebhookWorker;
  /** Runs `cleanup` after the current test. */
  readonly afterThisTest: (cleanup: () => unknown) => void;
  /** An endpoint of `agentId` (every event type) at a fresh receiver path. */
  readonly endpointFor: (
    agentId: string,
    path?: string,
  ) => Promise<EndpointWithSecret & { path: string }>;
  /** An endpoint of `agentId` (every event type) at `url`. */
  readonly endpointAt: (url: string, agentId: string) => Promise<EndpointWithSecret>;
  /**
   * Publishes an `agent.step.completed` for `agentId`, through the fixture's producer, another
   * producer, or a producer made for `settings` (the retry policy is stamped at publish time).
   * Returns the event's first delivery; fails when it has none.
   */
  readonly publish: (agentId: string, via?: Producer | Settings) => Promise<Published>;
  /** The delivery (as the producer reports it) once its status is one of `statuses`. */
  readonly deliveryIn: (deliveryId: string, statuses: readonly string[]) => Promise<DeliveryDetail>;
  /** The delivery (as the producer reports it) once it is no longer pending. */
  readonly settled: (deliveryId: string) => Promise<DeliveryDetail>;
  /** The stored delivery row once it is no longer pending. */
  readonly settledRow: (deliveryId: string) => Promise<Selectable<Database['webhook_deliveries']>>;
}

const OK: Responder = () => ({ status: 200, body: 'ok' });

function unset(what: string): never {
  throw new Error(`the fixture's ${what} is not there: use it inside a test or hook`);
}

/**
 * Registers the hooks of one test file (beforeAll, afterEach, afterAll) and returns the fixture
 * they fill. Call it once, at the top level of the file.
 */
export function useDeliveryFixture(options: DeliveryFixtureOptions = {}): DeliveryFixture {
  const reply = options.reply ?? OK;
  let ctx: TestContext | undefined;
  let receiver: Receiver | undefined;
  let producer: Producer | undefined;
  let queue: Queue | undefined;
  const workers: WebhookWorker[] = [];
  const cleanups: (() => unknown)[] = [];
  let pathCounter = 0;

  const context = () => ctx ?? unset('context');
  const theProducer = () => {
    const organizationId = options.organizationId ?? FIXTURE_ORG;
    producer ??= createProducer({
      settings: context().settings,
      ...(organizationId === null ? {} : { organizationId }),
    });
    return producer;
  };
  const fixture: DeliveryFixture = {
    get ctx() {
      return context();
    },
    get producer() {
      const organizationId =
        options.organizationId === undefined ? FIXTURE_ORG : options.organizationId;
      producer ??= createProducer({
        settings: context().settings,
        ...(organizationId === null ? {} : { organizationId }),
      });
      return producer;
    },
    get receiver() {
      return receiver ?? unset('receiver');
    },
    get queue() {
      const { settings, redis } = context();
      queue ??= new Queue(settings.queueName, { connection: redis, prefix: settings.queuePrefix });
      return queue;
    },
    startWorker(settings = context().settings, { logger } = {}) {
      const worker = createWorker({ settings, ...(logger ? { logger } : {}) });
      workers.push(worker);
      return worker;
    },
    afterThisTest(cleanup) {
      cleanups.push(cleanup);
    },
    async endpointFor(agentId, path = `/hook-${++pathCounter}`) {
      return { ...(await fixture.endpointAt(fixture.receiver.url(path), agentId)), path };
    },
    endpointAt(url, agentId) {
      return fixture.producer.createEndpoint({
        url,
        organizationId: FIXTURE_ORG,
        agentId,
        eventTypes: ['*'],
      });
    },
    async publish(agentId, via = fixture.producer) {
      if (!('publishEvent' in via)) {
        const owned = createProducer({ settings: via });
        try {
          return await fixture.publish(agentId, owned);
        } finally {
          await owned.close();
        }
      }
      const result = await via.publishEvent(agentId, 'agent.step.completed', STEP, {
        organizationId: FIXTURE_ORG,
      });
      const delivery = result.deliveries[0];
      if (!delivery) throw new Error(`expected a delivery of the event for ${agentId}`);
      return { eventId: result.eventId, deliveryId: delivery.deliveryId };
    },
    deliveryIn(deliveryId, statuses) {
      return waitFor(
        async () => {
          const delivery = await fixture.producer.getDelivery(deliveryId);
          return delivery && statuses.includes(delivery.status) ? delivery : undefined;
        },
        {
          what: `delivery ${deliveryId} to reach ${statuses.join('/')}`,
          ...(options.settleTimeoutMs === undefined ? {} : { timeoutMs: options.settleTimeoutMs }),
        },
      );
    },
    settled(deliveryId) {
      return fixture.deliveryIn(deliveryId, ['succeeded', 'failed', 'cancelled']);
    },
    settledRow(deliveryId) {
      return waitFor(
        async () => {
          const row = await context()
            .db.selectFrom('webhook_deliveries')
            .selectAll()
            .where('id', '=', deliveryId)
            .executeTakeFirst();
          return row && row.status !== 'pending' ? row : undefined;
        },
        {
          what: `delivery ${deliveryId} to settle`,
          ...(options.settleTimeoutMs === undefined ? {} : { timeoutMs: options.settleTimeoutMs }),
        },
      );
    },
  };

  const closeWorkers = () => Promise.all(workers.splice(0).map((w) => w.close()));

  beforeAll(async () => {
    ctx = await createTestContext(options.settings);
    if (options.lazyProducer !== true) theProducer();
    if (options.noReceiver !== true) receiver = await startReceiver(reply);
  });

  if (options.resetEachTest === true)
    beforeEach(async () => {
      await fixture.queue.obliterate({ force: true });
      // Durable publish stores events and deliveries: clear them before their endpoints.
      await sql`TRUNCATE webhook_attempts, webhook_deliveries, webhook_events, webhook_endpoints CASCADE`.execute(
        context().db,
      );
    });

  afterEach(async () => {
    if (options.workersLiveFor !== 'file') await closeWorkers();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    receiver?.respond(reply);
  });

  afterAll(async () => {
    // beforeAll may have failed part-way: close what was started.
    await closeWorkers();
    await queue?.close();
    await producer?.close();
    await receiver?.close();
    await ctx?.cleanup();
  });

  return fixture;
}
