import { Cluster } from 'ioredis';
import type { RedisConnection } from './create-redis.js';

/** Handler of endpoint changes: an endpoint id, or `*` for "anything may have changed". */
export type EndpointChangeHandler = (endpointId: string) => void;

/**
 * Tells every process (producers and workers) that an endpoint changed, over
 * Redis pub/sub, so caches drop it at once. Messages can be missed while a
 * connection is down, so a reconnect reports `*`, and caches keep a short TTL
 * as a safety net.
 */
export class EndpointChangeBus {
  readonly #channel: string;
  readonly #publisher: RedisConnection;
  #subscriber: RedisConnection | undefined;

  constructor(redis: RedisConnection, queuePrefix: string) {
    this.#publisher = redis;
    this.#channel = `${queuePrefix}:endpoint-changes`;
  }

  /** Announces a change; never throws (the TTL covers a lost message). */
  async announce(endpointId: string): Promise<void> {
    await this.#publisher.publish(this.#channel, endpointId).catch(() => undefined);
  }

  /** Calls `handler` for every change announced by any process, until `close()`. */
  async subscribe(handler: EndpointChangeHandler): Promise<void> {
    // A subscriber waits for its connection rather than failing fast like a producer's commands.
    const subscriber: RedisConnection =
      this.#publisher instanceof Cluster
        ? this.#publisher.duplicate([], { enableOfflineQueue: true })
        : this.#publisher.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => {
      handler(message);
    });
    let first = true;
    subscriber.on('ready', () => {
      if (!first) handler('*');
      first = false;
    });
    await subscriber.subscribe(this.#channel);
    // Anything cached before the subscription was live may have missed a change.
    handler('*');
  }

  /** Closes the subscriber connection, if any. */
  close(): void {
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
}
