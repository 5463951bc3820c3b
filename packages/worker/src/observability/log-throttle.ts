import type { Logger } from 'pino';

/** Options of {@link LogThrottle}. */
export interface LogThrottleOptions {
  readonly logger: Logger;
  /** At most one line per message per this many ms. Default 10,000. */
  readonly intervalMs?: number;
}

/**
 * Logs a repeated warning at most once per interval, with how many times it
 * happened since the last line (`repeated`), so a failure that recurs
 * thousands of times a second costs one line per interval, not a log storm.
 * Keeps no timer: the count rides on the next line.
 */
export class LogThrottle {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #seen = new Map<string, { at: number; repeated: number }>();

  constructor(options: LogThrottleOptions) {
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 10_000;
  }

  /** Logs `message` at `level` unless it was logged less than an interval ago (then counts it). */
  log(
    level: 'warn' | 'error',
    message: string,
    fields: Readonly<Record<string, unknown>> = {},
    now: number = Date.now(),
  ): void {
    const last = this.#seen.get(message);
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.repeated += 1;
      return;
    }
    if (this.#seen.size > 1_000) this.#seen.clear();
    this.#seen.set(message, { at: now, repeated: 0 });
    const repeated = last?.repeated ?? 0;
    this.#logger[level](repeated > 0 ? { ...fields, repeated } : fields, message);
  }
}
