import type { Logger } from 'pino';
import type { LogThrottle } from '../observability/log-throttle.js';
import { isOomError } from './is-oom-error.js';
import type { RedisMemoryMetrics } from './redis-memory-metrics.js';

/** The part of a BullMQ worker the back-off drives. */
export interface PausableWorker {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): Promise<void> | void;
}

/** Options of {@link OomBackoff}. */
export interface OomBackoffOptions {
  readonly worker: PausableWorker;
  /** A small write to Redis; resolves when Redis accepts writes again. */
  readonly probe: () => Promise<unknown>;
  /** First wait before probing; doubles per refused probe. */
  readonly baseMs: number;
  /** Longest wait between probes. */
  readonly maxMs: number;
  readonly logger: Logger;
  readonly throttle: LogThrottle;
  readonly metrics: RedisMemoryMetrics;
}

/**
 * What a worker does when Redis runs out of memory (`maxmemory` reached under
 * `noeviction`, so every write — BullMQ's own scripts included — is refused):
 * it stops taking jobs, then probes Redis with a small write after an
 * exponentially growing, capped wait, and takes jobs again by itself once a
 * write goes through. Jobs it held keep their locks or are taken over as
 * stalled later; their rows in Postgres say what was already delivered. One
 * warning per interval, with a count, instead of a line per refusal.
 */
export class OomBackoff {
  readonly #options: OomBackoffOptions;
  #since: number | undefined;
  #refusals = 0;
  #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: OomBackoffOptions) {
    this.#options = options;
    this.#delayMs = options.baseMs;
  }

  /** True while job intake is paused because Redis is out of memory. */
  get backingOff(): boolean {
    return this.#since !== undefined;
  }

  /** Looks at an error from Redis; true when it was an OOM refusal (then it backs off). */
  observe(error: unknown): boolean {
    if (!isOomError(error)) return false;
    this.#refusals += 1;
    this.#options.metrics.oomRefusal();
    if (this.#since === undefined && !this.#closed) {
      this.#since = Date.now();
      this.#delayMs = this.#options.baseMs;
      this.#options.metrics.backingOff(true);
      this.#options.worker.pause(true).catch(() => undefined);
      this.#schedule();
    }
    this.#options.throttle.log(
      'warn',
      'Redis is out of memory (maxmemory reached): job intake paused until it accepts writes',
      { refusals: this.#refusals, nextCheckMs: this.#delayMs },
    );
    return true;
  }

  /** Stops probing (the worker is closing). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, this.#delayMs);
  }

  async #check(): Promise<void> {
    try {
      await this.#options.probe();
    } catch (error) {
      if (isOomError(error)) {
        this.#refusals += 1;
        this.#options.metrics.oomRefusal();
      }
      // Still refused (or Redis unreachable): wait longer, up to the cap.
      this.#delayMs = Math.min(this.#delayMs * 2, this.#options.maxMs);
      this.#schedule();
      return;
    }
    if (this.#closed) return;
    const pausedMs = Date.now() - (this.#since ?? Date.now());
    this.#options.logger.warn(
      { pausedMs, refusals: this.#refusals },
      'Redis accepts writes again: job intake resumed',
    );
    this.#since = undefined;
    this.#refusals = 0;
    this.#options.metrics.backingOff(false);
    await this.#options.worker.resume();
  }
}
