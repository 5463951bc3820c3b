import type { Logger } from 'pino';

/** Time a stopping process gets beyond its owner's shutdown timeout (connections, logs). */
export const SHUTDOWN_MARGIN_MS = 5_000;

/** What {@link runUntilSignal} starts, logs and stops. */
export interface RunUntilSignalOptions<T> {
  readonly logger: Logger;
  /** Starts what runs; a signal arriving before it resolves ends the process at once. */
  readonly start: () => Promise<T>;
  /** Logged when SIGTERM or SIGINT arrives. */
  readonly stopping: string;
  /** Logged once `close` resolved. */
  readonly stopped: string;
  /** Stops what runs. */
  readonly close: (running: T) => Promise<void>;
  /**
   * Longest `close` may take, from the signal: past it the process exits
   * anyway, whatever state Redis or Postgres is in (shutdown timeout + margin).
   */
  readonly deadlineMs: number;
}

/**
 * Starts, waits for SIGTERM or SIGINT, closes, and lets the process end. The
 * process always ends within `deadlineMs` of the first signal; a second
 * signal ends it at once; a signal during start-up (nothing taken on yet,
 * e.g. Redis still unreachable) ends it at once too. If a broken socket still
 * holds the event loop a second after everything was closed, it leaves anyway.
 */
export async function runUntilSignal<T>(options: RunUntilSignalOptions<T>): Promise<void> {
  const { logger } = options;
  let signals = 0;
  let running: T | undefined;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const exit = (code: number, message: string) => {
    logger.warn(message);
    // Let pino's stream flush what was just written, then go.
    setImmediate(() => process.exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      exit(1, `second ${signal}: exiting at once`);
      return;
    }
    logger.info({ signal }, options.stopping);
    if (running === undefined) {
      exit(0, 'stopped during start-up');
      return;
    }
    setTimeout(() => {
      exit(1, `shutdown took longer than ${options.deadlineMs} ms; exiting anyway`);
    }, options.deadlineMs).unref();
    resolveSignal(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await options.start();
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw error;
  }
  await signalled;
  await options.close(running);
  logger.info(options.stopped);
  setTimeout(() => {
    logger.warn('a handle outlived shutdown; exiting');
    process.exit(process.exitCode ?? 0);
  }, 1_000).unref();
}
