import type { Logger } from 'pino';

/** What {@link runUntilSignal} logs and stops. */
export interface RunUntilSignalOptions {
  readonly logger: Logger;
  /** Logged when SIGTERM or SIGINT arrives. */
  readonly stopping: string;
  /** Logged once `close` resolved. */
  readonly stopped: string;
  /** Stops what runs (bounded in time by its owner). */
  readonly close: () => Promise<void>;
}

/**
 * Waits for SIGTERM or SIGINT, closes, and lets the process end. If a broken
 * socket still holds the event loop a second after everything was closed,
 * it leaves anyway.
 */
export async function runUntilSignal(options: RunUntilSignalOptions): Promise<void> {
  const { logger } = options;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, options.stopping);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void options.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info(options.stopped);
  setTimeout(() => {
    logger.warn('a handle outlived shutdown; exiting');
    process.exit(process.exitCode ?? 0);
  }, 1_000).unref();
}
